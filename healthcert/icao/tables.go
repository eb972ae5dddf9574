package icao

// The recommended transliterations of ICAO Doc 9303 part 3, section 6
// (seventh and eighth editions), keyed by the upper-case character. Where
// the table gives a choice (Ä → AE or A, Ü → UE or U, Ñ → N or NXX) the
// first, recommended form is used.

// latinICAO maps Latin letters with diacritics and ligatures.
var latinICAO = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "AE", 'Å': "AA", 'Æ': "AE",
	'Ç': "C", 'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E",
	'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I", 'Ð': "D", 'Ñ': "N",
	'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "OE", 'Ø': "OE",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "UE", 'Ý': "Y", 'Þ': "TH", 'ß': "SS",
	'Ā': "A", 'Ă': "A", 'Ą': "A", 'Ć': "C", 'Ĉ': "C", 'Ċ': "C", 'Č': "C",
	'Ď': "D", 'Đ': "D", 'Ē': "E", 'Ĕ': "E", 'Ė': "E", 'Ę': "E", 'Ě': "E",
	'Ĝ': "G", 'Ğ': "G", 'Ġ': "G", 'Ģ': "G", 'Ĥ': "H", 'Ħ': "H",
	'Ĩ': "I", 'Ī': "I", 'Ĭ': "I", 'Į': "I", 'İ': "I", 'ı': "I", 'Ĳ': "IJ",
	'Ĵ': "J", 'Ķ': "K", 'ĸ': "K", 'Ĺ': "L", 'Ļ': "L", 'Ľ': "L", 'Ŀ': "L", 'Ł': "L",
	'Ń': "N", 'Ņ': "N", 'Ň': "N", 'ŉ': "N", 'Ŋ': "N",
	'Ō': "O", 'Ŏ': "O", 'Ő': "O", 'Œ': "OE",
	'Ŕ': "R", 'Ŗ': "R", 'Ř': "R", 'Ś': "S", 'Ŝ': "S", 'Ş': "S", 'Š': "S", 'ſ': "S",
	'Ţ': "T", 'Ť': "T", 'Ŧ': "T",
	'Ũ': "U", 'Ū': "U", 'Ŭ': "U", 'Ů': "U", 'Ű': "U", 'Ų': "U",
	'Ŵ': "W", 'Ŷ': "Y", 'Ÿ': "Y", 'Ź': "Z", 'Ż': "Z", 'Ž': "Z",
	'Ơ': "O", 'Ư': "U", 'Ș': "S", 'Ț': "T",
	'Ǎ': "A", 'Ǐ': "I", 'Ǒ': "O", 'Ǔ': "U", 'Ǖ': "U", 'Ǘ': "U", 'Ǚ': "U", 'Ǜ': "U",
}

// cyrillicICAO maps Cyrillic letters. Ь is left out (dropped); Г and И
// follow the Russian column, as the script alone does not tell the language.
var cyrillicICAO = map[rune]string{
	'А': "A", 'Б': "B", 'В': "V", 'Г': "G", 'Ґ': "G", 'Д': "D", 'Ђ': "D",
	'Ѓ': "G", 'Е': "E", 'Ё': "E", 'Є': "IE", 'Ж': "ZH", 'З': "Z", 'Ѕ': "DZ",
	'И': "I", 'І': "I", 'Ї': "I", 'Й': "I", 'Ј': "J", 'К': "K", 'Ќ': "K",
	'Л': "L", 'Љ': "LJ", 'М': "M", 'Н': "N", 'Њ': "NJ", 'О': "O", 'П': "P",
	'Р': "R", 'С': "S", 'Т': "T", 'Ћ': "C", 'У': "U", 'Ў': "U", 'Ф': "F",
	'Х': "KH", 'Ц': "TS", 'Ч': "CH", 'Џ': "DZ", 'Ш': "SH", 'Щ': "SHCH",
	'Ъ': "IE", 'Ы': "Y", 'Ь': "", 'Э': "E", 'Ю': "IU", 'Я': "IA",
}

// greekICAO maps single Greek letters; the digraphs are handled in
// transliterateGreek.
var greekICAO = map[rune]string{
	'Α': "A", 'Ά': "A", 'Β': "V", 'Γ': "G", 'Δ': "D", 'Ε': "E", 'Έ': "E",
	'Ζ': "Z", 'Η': "I", 'Ή': "I", 'Θ': "TH", 'Ι': "I", 'Ί': "I", 'Ϊ': "I", 'ΐ': "I",
	'Κ': "K", 'Λ': "L", 'Μ': "M", 'Ν': "N", 'Ξ': "X", 'Ο': "O", 'Ό': "O",
	'Π': "P", 'Ρ': "R", 'Σ': "S", 'ς': "S", 'Τ': "T", 'Υ': "Y", 'Ύ': "Y", 'Ϋ': "Y", 'ΰ': "Y",
	'Φ': "F", 'Χ': "CH", 'Ψ': "PS", 'Ω': "O", 'Ώ': "O",
}

// chineseSurnames holds the readings of surnames whose first dictionary
// reading is not the surname reading, and of compound surnames. Longer
// entries are tried first.
var chineseSurnames = map[string]string{
	"单": "SHAN", "曾": "ZENG", "解": "XIE", "区": "OU", "仇": "QIU", "朴": "PIAO",
	"查": "ZHA", "乐": "YUE", "盖": "GE", "覃": "QIN", "缪": "MIAO", "翟": "ZHAI",
	"尉": "YU", "沈": "SHEN", "秘": "BI", "召": "SHAO", "繁": "PO", "牟": "MU",
	"纪": "JI", "种": "CHONG", "员": "YUN", "柏": "BAI", "藏": "ZANG", "便": "PIAN",
	"华": "HUA", "任": "REN", "冼": "XIAN", "句": "GOU", "阚": "KAN", "宓": "MI",
	"郇": "HUAN", "隗": "WEI", "厍": "SHE", "訾": "ZI", "逄": "PANG", "相": "XIANG",
	"折": "SHE", "褚": "CHU", "燕": "YAN", "那": "NA", "能": "NAI", "谌": "CHEN",
	"万": "WAN", "长": "CHANG", "石": "SHI", "车": "CHE", "薄": "BO", "卜": "BU",
	"臧": "ZANG", "雍": "YONG", "粘": "NIAN", "占": "ZHAN", "曲": "QU",
	"尉迟": "YUCHI", "万俟": "MOQI", "长孙": "ZHANGSUN", "单于": "CHANYU",
	"澹台": "TANTAI", "令狐": "LINGHU", "皇甫": "HUANGFU", "欧阳": "OUYANG",
	"司马": "SIMA", "上官": "SHANGGUAN", "诸葛": "ZHUGE", "东方": "DONGFANG",
	"宇文": "YUWEN", "慕容": "MURONG", "司徒": "SITU", "公孙": "GONGSUN",
	"夏侯": "XIAHOU", "轩辕": "XUANYUAN", "呼延": "HUYAN", "端木": "DUANMU",
}
