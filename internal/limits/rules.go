package limits

// Caps of the rules package (acceptance and invalidation rules in the
// gateway rule format, rule sets, their test folders and the data context
// built for them). CertLogic expressions themselves are bounded by the
// engine in rules/certlogic.
const (
	// MaxRule is the largest rule (JSON) read. The largest EU rules
	// (vaccination rules listing every product with its own interval)
	// are about 20 KiB; 256 KiB leaves room for long descriptions in many
	// languages.
	MaxRule = 256 << 10

	// MaxRuleDepth is the deepest nesting of JSON arrays and objects in a
	// rule, its Logic included. Real rules nest about 15 deep.
	MaxRuleDepth = 64

	// MaxRuleDescriptions is the largest number of Description entries of
	// a rule (one per language).
	MaxRuleDescriptions = 64

	// MaxRuleDescription is the longest description text, in bytes.
	MaxRuleDescription = 4 << 10

	// MaxRuleAffectedFields is the largest number of AffectedFields.
	MaxRuleAffectedFields = 256

	// MaxRuleString is the longest Identifier, Version, Engine or other
	// short field of a rule, in bytes.
	MaxRuleString = 128

	// MaxRuleSet is the largest number of rules (every version counted)
	// one rule set holds: a country's rules.json or a folder.
	MaxRuleSet = 10000

	// MaxRuleSetBytes is the largest rules.json (a verifier's synced copy
	// of every country's rules) read.
	MaxRuleSetBytes = 64 << 20

	// MaxRuleTests is the largest number of rule test files that
	// "ithc conformance rules" reads from one folder tree.
	MaxRuleTests = 100000

	// MaxRuleTest is the largest rule test file (a payload, its expected
	// result and often a copy of every value set).
	MaxRuleTest = 4 << 20
)
