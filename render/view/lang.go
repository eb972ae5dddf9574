package view

import "github.com/ithc/ithc/healthcert"

// Language holds every string the forms print in one language. All the
// languages are in this file, in one table, so that a translator sees
// them side by side; the tests check that every field and map of every
// language is filled and that formats take the same arguments.
type Language struct {
	// Code is the BCP 47 tag ("zh", "en") and Name the language's own
	// name, shown on the wallet page's language switch.
	Code, Name string

	Title string

	Holder, HolderName, NameICAO, DateOfBirth, Sex, Document string

	Certificate, CertificateID, Issuer, IssuedAt, ExpiresAt string

	Events                                                        string
	ColNumber, ColEvent, ColDate, ColDetails, ColResult, ColPlace string

	EventTypes map[healthcert.EventType]string
	Results    map[healthcert.TestResult]string
	Sexes      map[healthcert.Sex]string
	// Documents names ICAO 9303 document codes; others print as the code.
	Documents map[string]string

	// Dose formats "dose n of m" (two %d); CutOff a quantitative result's
	// cut-off (one %s); ValidFromTo a recovery statement's validity (two
	// %s); FirstPositive labels a recovery's date.
	Dose, CutOff, ValidFromTo, FirstPositive string

	InstructionsTitle string
	Instructions      []string
	QRCaption         string
	// CodeText labels the QR code's text on the wallet page; Language
	// labels its language switch.
	CodeText, Language string
	// Page formats "page n of m" (two %d).
	Page string
}

// languages are the languages the forms speak, by Code.
var languages = map[string]*Language{
	"en": {
		Code: "en", Name: "English",
		Title:  "International Travel Health Certificate",
		Holder: "Holder", HolderName: "Name", NameICAO: "Name (ICAO transliteration)", DateOfBirth: "Date of birth", Sex: "Sex", Document: "Travel document",
		Certificate: "Certificate", CertificateID: "Certificate identifier", Issuer: "Issuer", IssuedAt: "Issued", ExpiresAt: "Valid until",
		Events:    "Health events",
		ColNumber: "No.", ColEvent: "Event", ColDate: "Date", ColDetails: "Details", ColResult: "Result", ColPlace: "Place",
		EventTypes: map[healthcert.EventType]string{
			healthcert.TypeVaccination: "Vaccination", healthcert.TypeNucleicAcidTest: "Nucleic acid test (PCR)",
			healthcert.TypeAntibodyTest: "Antibody test", healthcert.TypeAntigenTest: "Rapid antigen test", healthcert.TypeRecovery: "Recovery",
		},
		Results:           map[healthcert.TestResult]string{healthcert.ResultNegative: "Negative", healthcert.ResultPositive: "Positive", healthcert.ResultInconclusive: "Inconclusive"},
		Sexes:             map[healthcert.Sex]string{healthcert.SexFemale: "Female", healthcert.SexMale: "Male", healthcert.SexOther: "Unspecified"},
		Documents:         map[string]string{"P": "Passport", "ID": "Identity card"},
		Dose:              "Dose %d of %d",
		CutOff:            "cut-off %s",
		ValidFromTo:       "Valid %s to %s",
		FirstPositive:     "First positive test",
		InstructionsTitle: "For the verifier",
		Instructions: []string{
			"Scan the QR code with a verifier that trusts the issuing country's signing keys (an ITHC or EU DCC verifier). Only the verified code counts; the printed text is for information.",
			"Check that the name, date of birth and travel document match the traveller's passport.",
			"The code verifies offline. A copy of this page verifies like the original; refuse a code that does not verify.",
		},
		QRCaption: "Scan to verify",
		CodeText:  "QR code text",
		Language:  "Language",
		Page:      "Page %d of %d",
	},
	"zh": {
		Code: "zh", Name: "中文",
		Title:  "国际旅行健康证明",
		Holder: "持证人", HolderName: "姓名", NameICAO: "姓名（ICAO 转写）", DateOfBirth: "出生日期", Sex: "性别", Document: "旅行证件",
		Certificate: "证书", CertificateID: "证书编号", Issuer: "签发机构", IssuedAt: "签发日期", ExpiresAt: "有效期至",
		Events:    "健康记录",
		ColNumber: "序号", ColEvent: "项目", ColDate: "日期", ColDetails: "详情", ColResult: "结果", ColPlace: "地点",
		EventTypes: map[healthcert.EventType]string{
			healthcert.TypeVaccination: "疫苗接种", healthcert.TypeNucleicAcidTest: "核酸检测",
			healthcert.TypeAntibodyTest: "抗体检测", healthcert.TypeAntigenTest: "抗原快速检测", healthcert.TypeRecovery: "康复",
		},
		Results:           map[healthcert.TestResult]string{healthcert.ResultNegative: "阴性", healthcert.ResultPositive: "阳性", healthcert.ResultInconclusive: "不确定"},
		Sexes:             map[healthcert.Sex]string{healthcert.SexFemale: "女", healthcert.SexMale: "男", healthcert.SexOther: "未说明"},
		Documents:         map[string]string{"P": "护照", "ID": "身份证"},
		Dose:              "第 %d 剂，共 %d 剂",
		CutOff:            "临界值 %s",
		ValidFromTo:       "有效期 %s 至 %s",
		FirstPositive:     "首次阳性检测",
		InstructionsTitle: "核验说明",
		Instructions: []string{
			"请使用信任签发国签名密钥的核验程序（ITHC 或欧盟数字新冠证书核验程序）扫描二维码。以核验通过的二维码为准，打印文字仅供参考。",
			"请核对姓名、出生日期和旅行证件是否与旅客护照一致。",
			"二维码可离线核验。本页复印件与原件核验效果相同；未通过核验的二维码应予拒绝。",
		},
		QRCaption: "扫码核验",
		CodeText:  "二维码文本",
		Language:  "语言",
		Page:      "第 %d 页，共 %d 页",
	},
	"fr": {
		Code: "fr", Name: "Français",
		Title:  "Certificat international de santé pour les voyages",
		Holder: "Titulaire", HolderName: "Nom", NameICAO: "Nom (translittération OACI)", DateOfBirth: "Date de naissance", Sex: "Sexe", Document: "Document de voyage",
		Certificate: "Certificat", CertificateID: "Identifiant du certificat", Issuer: "Émetteur", IssuedAt: "Délivré le", ExpiresAt: "Valable jusqu'au",
		Events:    "Événements de santé",
		ColNumber: "N°", ColEvent: "Événement", ColDate: "Date", ColDetails: "Détails", ColResult: "Résultat", ColPlace: "Lieu",
		EventTypes: map[healthcert.EventType]string{
			healthcert.TypeVaccination: "Vaccination", healthcert.TypeNucleicAcidTest: "Test d'amplification des acides nucléiques (PCR)",
			healthcert.TypeAntibodyTest: "Test sérologique", healthcert.TypeAntigenTest: "Test antigénique rapide", healthcert.TypeRecovery: "Rétablissement",
		},
		Results:           map[healthcert.TestResult]string{healthcert.ResultNegative: "Négatif", healthcert.ResultPositive: "Positif", healthcert.ResultInconclusive: "Non concluant"},
		Sexes:             map[healthcert.Sex]string{healthcert.SexFemale: "Féminin", healthcert.SexMale: "Masculin", healthcert.SexOther: "Non précisé"},
		Documents:         map[string]string{"P": "Passeport", "ID": "Carte d'identité"},
		Dose:              "Dose %d sur %d",
		CutOff:            "seuil %s",
		ValidFromTo:       "Valable du %s au %s",
		FirstPositive:     "Premier test positif",
		InstructionsTitle: "Pour le contrôleur",
		Instructions: []string{
			"Scannez le code QR avec une application de vérification qui reconnaît les clés de signature du pays émetteur (ITHC ou certificat COVID numérique de l'UE). Seul le code vérifié fait foi ; le texte imprimé est donné à titre d'information.",
			"Vérifiez que le nom, la date de naissance et le document de voyage correspondent au passeport du voyageur.",
			"Le code se vérifie hors ligne. Une copie de cette page se vérifie comme l'original ; refusez un code qui ne se vérifie pas.",
		},
		QRCaption: "Scanner pour vérifier",
		CodeText:  "Texte du code QR",
		Language:  "Langue",
		Page:      "Page %d sur %d",
	},
	"es": {
		Code: "es", Name: "Español",
		Title:  "Certificado internacional de salud para viajes",
		Holder: "Titular", HolderName: "Nombre", NameICAO: "Nombre (transliteración OACI)", DateOfBirth: "Fecha de nacimiento", Sex: "Sexo", Document: "Documento de viaje",
		Certificate: "Certificado", CertificateID: "Identificador del certificado", Issuer: "Emisor", IssuedAt: "Expedido", ExpiresAt: "Válido hasta",
		Events:    "Eventos de salud",
		ColNumber: "N.º", ColEvent: "Evento", ColDate: "Fecha", ColDetails: "Detalles", ColResult: "Resultado", ColPlace: "Lugar",
		EventTypes: map[healthcert.EventType]string{
			healthcert.TypeVaccination: "Vacunación", healthcert.TypeNucleicAcidTest: "Prueba de amplificación de ácidos nucleicos (PCR)",
			healthcert.TypeAntibodyTest: "Prueba de anticuerpos", healthcert.TypeAntigenTest: "Prueba rápida de antígenos", healthcert.TypeRecovery: "Recuperación",
		},
		Results:           map[healthcert.TestResult]string{healthcert.ResultNegative: "Negativo", healthcert.ResultPositive: "Positivo", healthcert.ResultInconclusive: "No concluyente"},
		Sexes:             map[healthcert.Sex]string{healthcert.SexFemale: "Femenino", healthcert.SexMale: "Masculino", healthcert.SexOther: "No especificado"},
		Documents:         map[string]string{"P": "Pasaporte", "ID": "Documento de identidad"},
		Dose:              "Dosis %d de %d",
		CutOff:            "valor de corte %s",
		ValidFromTo:       "Válido del %s al %s",
		FirstPositive:     "Primera prueba positiva",
		InstructionsTitle: "Para el verificador",
		Instructions: []string{
			"Escanee el código QR con un verificador que confíe en las claves de firma del país emisor (ITHC o certificado COVID digital de la UE). Solo cuenta el código verificado; el texto impreso es informativo.",
			"Compruebe que el nombre, la fecha de nacimiento y el documento de viaje coinciden con el pasaporte del viajero.",
			"El código se verifica sin conexión. Una copia de esta página se verifica igual que el original; rechace un código que no se verifique.",
		},
		QRCaption: "Escanear para verificar",
		CodeText:  "Texto del código QR",
		Language:  "Idioma",
		Page:      "Página %d de %d",
	},
	"de": {
		Code: "de", Name: "Deutsch",
		Title:  "Internationales Reisegesundheitszertifikat",
		Holder: "Inhaber", HolderName: "Name", NameICAO: "Name (ICAO-Transliteration)", DateOfBirth: "Geburtsdatum", Sex: "Geschlecht", Document: "Reisedokument",
		Certificate: "Zertifikat", CertificateID: "Zertifikatkennung", Issuer: "Aussteller", IssuedAt: "Ausgestellt am", ExpiresAt: "Gültig bis",
		Events:    "Gesundheitsereignisse",
		ColNumber: "Nr.", ColEvent: "Ereignis", ColDate: "Datum", ColDetails: "Einzelheiten", ColResult: "Ergebnis", ColPlace: "Ort",
		EventTypes: map[healthcert.EventType]string{
			healthcert.TypeVaccination: "Impfung", healthcert.TypeNucleicAcidTest: "Nukleinsäuretest (PCR)",
			healthcert.TypeAntibodyTest: "Antikörpertest", healthcert.TypeAntigenTest: "Antigen-Schnelltest", healthcert.TypeRecovery: "Genesung",
		},
		Results:           map[healthcert.TestResult]string{healthcert.ResultNegative: "Negativ", healthcert.ResultPositive: "Positiv", healthcert.ResultInconclusive: "Nicht eindeutig"},
		Sexes:             map[healthcert.Sex]string{healthcert.SexFemale: "Weiblich", healthcert.SexMale: "Männlich", healthcert.SexOther: "Nicht angegeben"},
		Documents:         map[string]string{"P": "Reisepass", "ID": "Personalausweis"},
		Dose:              "Dosis %d von %d",
		CutOff:            "Grenzwert %s",
		ValidFromTo:       "Gültig vom %s bis %s",
		FirstPositive:     "Erster positiver Test",
		InstructionsTitle: "Für die Prüfstelle",
		Instructions: []string{
			"Scannen Sie den QR-Code mit einer Prüf-App, die den Signaturschlüsseln des ausstellenden Landes vertraut (ITHC oder digitales COVID-Zertifikat der EU). Maßgeblich ist allein der geprüfte Code; der gedruckte Text dient der Information.",
			"Prüfen Sie, ob Name, Geburtsdatum und Reisedokument mit dem Reisepass der reisenden Person übereinstimmen.",
			"Der Code lässt sich offline prüfen. Eine Kopie dieser Seite wird wie das Original geprüft; weisen Sie einen Code zurück, dessen Prüfung fehlschlägt.",
		},
		QRCaption: "Zum Prüfen scannen",
		CodeText:  "Text des QR-Codes",
		Language:  "Sprache",
		Page:      "Seite %d von %d",
	},
	"ru": {
		Code: "ru", Name: "Русский",
		Title:  "Международный сертификат здоровья для путешествий",
		Holder: "Владелец", HolderName: "Фамилия и имя", NameICAO: "Фамилия и имя (транслитерация ИКАО)", DateOfBirth: "Дата рождения", Sex: "Пол", Document: "Проездной документ",
		Certificate: "Сертификат", CertificateID: "Идентификатор сертификата", Issuer: "Выдан", IssuedAt: "Дата выдачи", ExpiresAt: "Действителен до",
		Events:    "Медицинские данные",
		ColNumber: "№", ColEvent: "Событие", ColDate: "Дата", ColDetails: "Подробности", ColResult: "Результат", ColPlace: "Место",
		EventTypes: map[healthcert.EventType]string{
			healthcert.TypeVaccination: "Вакцинация", healthcert.TypeNucleicAcidTest: "Тест методом амплификации нуклеиновых кислот (ПЦР)",
			healthcert.TypeAntibodyTest: "Тест на антитела", healthcert.TypeAntigenTest: "Экспресс-тест на антиген", healthcert.TypeRecovery: "Выздоровление",
		},
		Results:           map[healthcert.TestResult]string{healthcert.ResultNegative: "Отрицательный", healthcert.ResultPositive: "Положительный", healthcert.ResultInconclusive: "Неопределённый"},
		Sexes:             map[healthcert.Sex]string{healthcert.SexFemale: "Женский", healthcert.SexMale: "Мужской", healthcert.SexOther: "Не указан"},
		Documents:         map[string]string{"P": "Паспорт", "ID": "Удостоверение личности"},
		Dose:              "Доза %d из %d",
		CutOff:            "пороговое значение %s",
		ValidFromTo:       "Действителен с %s по %s",
		FirstPositive:     "Первый положительный тест",
		InstructionsTitle: "Для проверяющего",
		Instructions: []string{
			"Отсканируйте QR-код приложением проверки, которое доверяет ключам подписи страны выдачи (ITHC или цифровой COVID-сертификат ЕС). Значение имеет только проверенный код; напечатанный текст носит справочный характер.",
			"Убедитесь, что имя, дата рождения и проездной документ совпадают с паспортом путешественника.",
			"Код проверяется без подключения к сети. Копия этой страницы проверяется так же, как оригинал; код, не прошедший проверку, отклоняется.",
		},
		QRCaption: "Отсканируйте для проверки",
		CodeText:  "Текст QR-кода",
		Language:  "Язык",
		Page:      "Страница %d из %d",
	},
}
