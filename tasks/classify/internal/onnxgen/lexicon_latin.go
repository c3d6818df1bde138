package onnxgen

// The sentiment lexicons of the Latin-script languages of the demo site.
// Entries are word beginnings (see lexiconLang); stems are cut where every
// inflected form keeps the meaning.

var english = lexiconLang{
	code: "en",
	positive: []string{
		"good", "great", "excellent", "wonderful", "love", "loved", "loves", "lovely", "happy", "best", "better",
		"amazing", "fantastic", "perfect", "quickly", "easily", "nice", "beautiful", "recommend", "pleased",
		"brilliant", "delighted", "celebrated", "celebrate", "won", "wins", "winning", "victory", "success",
		"strong", "strongly", "growing", "growth", "profit", "reliable", "fast", "peaceful", "fair", "glad",
		"awesome", "superb", "outstanding", "impressive", "enjoy", "excited", "thrilled", "praise", "improved",
		"helpful", "friendly", "comfortable", "favourite", "favorite",
	},
	negative: []string{
		"bad", "terrible", "awful", "hate", "worst", "worse", "poor", "broken", "broke", "slow", "disappointed",
		"horrible", "sad", "angry", "angered", "useless", "late", "problem", "failed", "failure", "fail",
		"disaster", "scandal", "corrupt", "furious", "lost", "lose", "loss", "injury", "injured", "ruined",
		"crash", "bankrupt", "hurting", "hurt", "stole", "stolen", "lies", "lied", "weak", "ugly", "annoying",
		"crisis", "collapse", "damage", "dangerous", "wrong", "unhappy", "upset", "boring", "rude", "dirty",
		"fraud", "scam", "suffered",
	},
	neutral: []string{"faire", "supermarket", "bestow", "grand", "grant", "later", "latest"},
	endings: []string{"s", "ly", "ing", "ed", "er", "e"},
}

var german = lexiconLang{
	code: "de",
	positive: []string{
		"gut", "toll", "hervorragend", "ausgezeichnet", "wunderbar", "liebe", "lieben", "liebt", "glücklich",
		"zufrieden", "empfehlen", "empfehle", "super", "großartig", "friedlich", "gewonnen", "gewinnt",
		"gefeiert", "feiern", "fantastisch", "begeistert", "wächst", "kräftig", "stark", "erfolg", "zuverlässig",
		"schnell", "erstaunlich", "perfekt", "freude", "freuen", "beliebt", "prima", "klasse", "spitze",
		"##gewinn",
	},
	negative: []string{
		"schlecht", "schrecklich", "furchtbar", "hasse", "enttäuscht", "kaputt", "langsam", "traurig", "ärger",
		"mangelhaft", "korrupt", "skandal", "wütend", "wut", "gescheitert", "scheitern", "katastroph", "lügen",
		"verloren", "verlieren", "verletzt", "ruiniert", "schadet", "schaden", "pleite", "abgestürzt", "absturz",
		"lahmgelegt", "gestohlen", "fehler", "##fehler", "verärgert", "schwach", "krise", "angst", "leider",
		"betrug", "gefährlich",
	},
	neutral: []string{"bestimmt", "besteht", "bestehen", "bestätigt", "bestand", "supermarkt", "gutschein"},
	endings: []string{"en", "er", "es", "em", "e", "t"},
}

var french = lexiconLang{
	code: "fr",
	positive: []string{
		"bon", "bonne", "magnifique", "merveilleux", "heureux", "heureuse", "parfait", "génial", "adore", "ravi",
		"bien", "formidable", "fantastique", "gagné", "gagner", "victoire", "croissance", "bénéfice", "brillant",
		"fiable", "étonnant", "fête", "calme", "équité", "réussi", "succès", "aime", "plaisir", "joie",
		"meilleur", "superbe",
	},
	negative: []string{
		"mauvais", "mauvaise", "déçu", "nul", "lent", "triste", "déteste", "cassé", "pire", "corrompu", "scandale",
		"colère", "échoué", "échec", "désastre", "mensonge", "perdu", "perdre", "furieux", "affreux", "blessure",
		"blessé", "gâché", "faillite", "effondré", "bloqué", "volé", "faille", "fâché", "catastrophe", "problème",
		"énervé", "honte", "peur",
	},
	neutral: []string{"bienvenue", "bientôt", "lentille"},
	endings: []string{"es", "ent", "e", "s"},
}

var spanish = lexiconLang{
	code: "es",
	positive: []string{
		"bueno", "buena", "excelente", "maravill", "feliz", "felic", "perfecto", "encant", "fantástico",
		"recomiendo", "gran", "pacífic", "justa", "justo", "ganó", "ganaron", "ganar", "celebr", "crece",
		"crecimiento", "benefici", "brillante", "rápid", "fiabl", "asombros", "éxito", "alegr", "contento",
		"mejor", "genial",
	},
	negative: []string{
		"malo", "mala", "pésimo", "lento", "roto", "decepcion", "odio", "peor", "corrupto", "escándal", "terribl",
		"furios", "fracas", "desastr", "mentir", "perdi", "horribl", "sufri", "lesión", "arruin", "golpe",
		"quebr", "desplom", "estrope", "robaron", "robado", "robar", "fallo", "enfad", "miedo", "enojad",
	},
	neutral: []string{"bienvenid", "supermercado", "grande"},
	endings: []string{"os", "as", "o", "a", "es"},
}

var polish = lexiconLang{
	code: "pl",
	positive: []string{
		"dobry", "dobra", "dobre", "dobr", "świetny", "świetn", "doskonały", "doskonał", "wspaniały", "wspaniał",
		"polecam", "zadowolony", "zadowol", "szczęśliwy", "szczęśliw", "fantastyczn", "zachwycen", "świętowal",
		"wygrał", "wygrana", "zysk", "niezawodn", "szybk", "uczciw", "spokojn", "kocha", "niesamowit", "sukces",
		"udan", "piękn", "rados", "cieszy", "brawo",
	},
	negative: []string{
		"zły", "zła", "złe", "okropny", "okropn", "fatalny", "fataln", "słaby", "słab", "rozczarowany",
		"rozczarowan", "smutny", "smutn", "beznadziejny", "beznadziejn", "skorumpowan", "wściek", "zawiódł",
		"katastrof", "kłamstw", "przegrał", "strasz", "kontuzj", "zrujnowan", "szkodz", "zbankrutowa",
		"bankrut", "załamał", "stracił", "zepsuł", "ukradł", "ukradli", "błąd", "błęd", "rozgniewa", "gniew",
		"porażk", "kryzys", "niestety",
	},
	endings: []string{"y", "a", "e", "i", "ego", "emu", "ej", "ym", "ymi", "ych", "ą", "ę", "ow", "ami", "ach", "om", "ie", "o"},
}
