package vdsnc

import "strings"

// iso3166 lists the ISO 3166-1 alpha-2 codes of package valueset's
// country-2-codes with their alpha-3 codes, as pairs "AAAAA": two letters
// then three. Kosovo, which ISO leaves to users (XK), is written RKS as ICAO
// Doc 9303 and Kosovo's passports write it.
const iso3166 = "ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT " +
	"AUAUS AWABW AXALA AZAZE BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI " +
	"BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS BTBTN BVBVT BWBWA BYBLR " +
	"BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN " +
	"COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA " +
	"DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK " +
	"FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF GGGGY GHGHA GIGIB GLGRL " +
	"GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD " +
	"HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN " +
	"ISISL ITITA JEJEY JMJAM JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA " +
	"KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA LILIE LKLKA LRLBR LSLSO " +
	"LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD " +
	"MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI " +
	"MXMEX MYMYS MZMOZ NANAM NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL " +
	"NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM " +
	"PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA " +
	"SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR " +
	"SNSEN SOSOM SRSUR SSSSD STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF " +
	"TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON TRTUR TTTTO TVTUV TWTWN " +
	"TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR " +
	"VNVNM VUVUT WFWLF WSWSM XKRKS YEYEM YTMYT ZAZAF ZMZMB ZWZWE " +
	// Utopia, the fictional state of ICAO's specimens: its sample seals
	// say UTO and their signer certificates C=UT.
	"UTUTO"

// readOnlyAlpha3 are three-letter codes read but never written: Germany's
// "D" of Doc 9303-3 (the MRZ writes D<<), and Kosovo's user-assigned XKK.
var readOnlyAlpha3 = map[string]string{"D": "DE", "XKK": "XK"}

var alpha2To3, alpha3To2 = func() (map[string]string, map[string]string) {
	to3, to2 := map[string]string{}, map[string]string{}
	for _, p := range strings.Fields(iso3166) {
		to3[p[:2]] = p[2:]
		to2[p[2:]] = p[:2]
	}
	for k, v := range readOnlyAlpha3 {
		to2[k] = v
	}
	return to3, to2
}()

// Alpha2 returns the ISO 3166-1 alpha-2 code of an ICAO Doc 9303 three-letter
// state code (the "is" and "ctr" fields of a seal), such as "AU" for "AUS".
// It also reads Germany's "D" and returns false for codes of no country
// (organisations such as "UNO", unknown codes).
func Alpha2(code string) (string, bool) {
	c, ok := alpha3To2[code]
	return c, ok
}

// Alpha3 returns the three-letter code a seal writes for an ISO 3166-1
// alpha-2 code, such as "AUS" for "AU" (Germany: "DEU").
func Alpha3(code string) (string, bool) {
	c, ok := alpha2To3[strings.ToUpper(code)]
	return c, ok
}
