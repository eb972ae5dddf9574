package limits

// Caps of the rules/certlogic package (CertLogic expressions, the data
// they are evaluated over, and the test-suite files "ithc conformance
// certlogic" reads). docs/certlogic.md explains each.
const (
	// MaxCertLogicExpr is the largest CertLogic expression (JSON) compiled.
	// The largest real acceptance rule of the EU gateway holds a few
	// kilobytes of logic; 256 KiB leaves room for long literal code lists.
	MaxCertLogicExpr = 256 << 10

	// MaxCertLogicDepth is the deepest nesting of JSON arrays and objects
	// in an expression. Real rules nest about 20 deep (an operation object
	// and its operand array count one each); evaluation recurses once per
	// level, so this also bounds the evaluator's stack.
	MaxCertLogicDepth = 64

	// MaxCertLogicNodes is the largest number of sub-expressions (operations
	// and literals, every array element counted) of one expression.
	MaxCertLogicNodes = 10000

	// MaxCertLogicReduceLength is the longest array a reduce operation folds
	// over. A certificate holds at most a few hundred events (MaxCBORItems).
	MaxCertLogicReduceLength = 1024

	// MaxCertLogicSteps is the largest number of sub-expression evaluations
	// of one Evaluate call (nested reduce operations multiply); a larger
	// evaluation stops with an error. One step costs tens of nanoseconds.
	MaxCertLogicSteps = 1 << 20

	// MaxCertLogicBuilt is the largest value an expression builds (an
	// array literal with operations inside, or the context object a reduce
	// lambda reads as {"var": ""}), counting every item of the built values
	// nested in it: a reduce that puts its accumulator twice into an array
	// would otherwise make a value that takes 2^n items to write out.
	MaxCertLogicBuilt = 10000

	// MaxCertLogicData is the largest JSON data context accepted by
	// certlogic.DecodeData (payload and external context with the value
	// sets; the EU value sets together are a few hundred kilobytes).
	MaxCertLogicData = 4 << 20

	// MaxCertLogicDataDepth is the deepest nesting of JSON arrays and
	// objects in a data context accepted by certlogic.DecodeData.
	MaxCertLogicDataDepth = 32

	// MaxCertLogicSuiteFile is the largest test-suite file read by
	// "ithc conformance certlogic"; the largest published one is 20 KB.
	MaxCertLogicSuiteFile = 4 << 20

	// MaxCertLogicSuiteDepth is the deepest nesting of a test-suite file:
	// an expression and a data context inside the file's own three levels.
	MaxCertLogicSuiteDepth = MaxCertLogicDepth + MaxCertLogicDataDepth

	// MaxCertLogicSuiteFiles is the largest number of test-suite files run
	// from one folder.
	MaxCertLogicSuiteFiles = 10000
)
