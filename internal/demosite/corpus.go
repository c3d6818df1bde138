package demosite

// Topics are the four topics of the demo articles, in the order articles
// cycle through them.
var topicNames = [4]string{"politics", "sport", "economy", "technology"}

// Topics returns the topic labels used by the demo site, in order.
func Topics() []string { return topicNames[:] }

// language holds everything the site says in one language.
type language struct {
	code      string // BCP 47 primary tag, also the URL prefix
	name      string // the language's own name, for the navigation
	siteTitle string // title of the language's index page
	intro     string // first paragraph of the index page
	headline  string // article title format: topic name, article number
	numbered  string // per-article sentence format with the article number
	topics    [4]string
	// sentences[topic][0] are positive, sentences[topic][1] negative.
	sentences [4][2][2]string
}

// languages is the site's content: one compact table from which every page
// is generated. Each sentence clearly carries one topic and one sentiment so
// the demo classification model can label it.
var languages = []language{
	{
		code: "en", name: "English", siteTitle: "Demo News in English",
		intro:    "Welcome to the English edition of our news site with reports about politics, sport, the economy and technology.",
		headline: "%s news %d", numbered: "This is report number %d from our newsroom.",
		topics: [4]string{"Politics", "Sport", "Economy", "Technology"},
		sentences: [4][2][2]string{
			{{"The new government passed an excellent law that helps families, and voters are happy.",
				"Parliament reached a great agreement and the election was peaceful and fair."},
				{"The corrupt minister caused a terrible scandal and voters are angry.",
					"Parliament failed again and the election campaign was a disaster full of lies."}},
			{{"Our team won the football match with a wonderful goal and the fans celebrated.",
				"The young athlete set a fantastic world record and everyone was delighted."},
				{"The team lost the match badly and the fans were furious after the awful game.",
					"The star player suffered a terrible injury and the season is ruined."}},
			{{"The economy is growing strongly, wages are rising and unemployment is falling.",
				"Markets had an excellent day and the bank reported record profits."},
				{"Inflation is hurting families, prices are rising and many companies went bankrupt.",
					"The stock market crashed and thousands of workers lost their jobs."}},
			{{"The new smartphone is brilliant, fast and reliable, and users love the software.",
				"Engineers built an amazing computer chip that makes the internet faster."},
				{"The software update was a disaster that broke millions of computers.",
					"Hackers stole user data and the terrible security failure angered customers."}},
		},
	},
	{
		code: "de", name: "Deutsch", siteTitle: "Demo-Nachrichten auf Deutsch",
		intro:    "Willkommen bei der deutschen Ausgabe unserer Nachrichten über Politik, Sport, die Wirtschaft und die Technik.",
		headline: "%s: Meldung %d", numbered: "Dies ist der Bericht Nummer %d aus unserer Redaktion.",
		topics: [4]string{"Politik", "Sport", "Wirtschaft", "Technik"},
		sentences: [4][2][2]string{
			{{"Die neue Regierung hat ein hervorragendes Gesetz beschlossen, und die Wähler sind glücklich.",
				"Das Parlament hat eine großartige Einigung erzielt, und die Wahl war friedlich und fair."},
				{"Der korrupte Minister hat einen schrecklichen Skandal verursacht, und die Wähler sind wütend.",
					"Das Parlament ist wieder gescheitert, und der Wahlkampf war eine Katastrophe voller Lügen."}},
			{{"Unsere Mannschaft hat das Fußballspiel mit einem wunderbaren Tor gewonnen, und die Fans haben gefeiert.",
				"Die junge Sportlerin hat einen fantastischen Weltrekord aufgestellt, und alle waren begeistert."},
				{"Die Mannschaft hat das Spiel deutlich verloren, und die Fans waren nach dem furchtbaren Spiel wütend.",
					"Der Starspieler hat sich schwer verletzt, und die Saison ist ruiniert."}},
			{{"Die Wirtschaft wächst kräftig, die Löhne steigen und die Arbeitslosigkeit sinkt.",
				"Die Märkte hatten einen ausgezeichneten Tag, und die Bank meldete Rekordgewinne."},
				{"Die Inflation schadet den Familien, die Preise steigen und viele Unternehmen sind pleite.",
					"Die Börse ist abgestürzt, und tausende Arbeiter haben ihre Arbeit verloren."}},
			{{"Das neue Smartphone ist brillant, schnell und zuverlässig, und die Nutzer lieben die Software.",
				"Ingenieure haben einen erstaunlichen Computerchip gebaut, der das Internet schneller macht."},
				{"Das Software-Update war eine Katastrophe und hat Millionen von Computern lahmgelegt.",
					"Hacker haben Nutzerdaten gestohlen, und der schreckliche Sicherheitsfehler hat die Kunden verärgert."}},
		},
	},
	{
		code: "fr", name: "Français", siteTitle: "Actualités de démonstration en français",
		intro:    "Bienvenue dans l'édition française de notre site d'actualités sur la politique, le sport, l'économie et la technologie.",
		headline: "%s : dépêche %d", numbered: "Voici le reportage numéro %d de notre rédaction.",
		topics: [4]string{"Politique", "Sport", "Économie", "Technologie"},
		sentences: [4][2][2]string{
			{{"Le nouveau gouvernement a adopté une excellente loi qui aide les familles, et les électeurs sont heureux.",
				"Le parlement a trouvé un accord formidable et l'élection s'est déroulée dans le calme et l'équité."},
				{"Le ministre corrompu a provoqué un terrible scandale et les électeurs sont en colère.",
					"Le parlement a encore échoué et la campagne électorale a été un désastre plein de mensonges."}},
			{{"Notre équipe a gagné le match de football grâce à un but magnifique et les supporters ont fait la fête.",
				"La jeune athlète a établi un record du monde fantastique et tout le monde était ravi."},
				{"L'équipe a perdu le match lourdement et les supporters étaient furieux après ce jeu affreux.",
					"Le joueur vedette a subi une terrible blessure et la saison est gâchée."}},
			{{"L'économie est en forte croissance, les salaires augmentent et le chômage baisse.",
				"Les marchés ont connu une excellente journée et la banque a annoncé des bénéfices records."},
				{"L'inflation frappe les familles, les prix augmentent et de nombreuses entreprises ont fait faillite.",
					"La bourse s'est effondrée et des milliers de travailleurs ont perdu leur emploi."}},
			{{"Le nouveau smartphone est brillant, rapide et fiable, et les utilisateurs adorent le logiciel.",
				"Des ingénieurs ont conçu une puce informatique étonnante qui rend l'internet plus rapide."},
				{"La mise à jour du logiciel a été un désastre qui a bloqué des millions d'ordinateurs.",
					"Des pirates ont volé les données des utilisateurs et cette terrible faille de sécurité a fâché les clients."}},
		},
	},
	{
		code: "pl", name: "Polski", siteTitle: "Wiadomości demonstracyjne po polsku",
		intro:    "Witamy w polskim wydaniu naszego serwisu z wiadomościami o polityce, sporcie, gospodarce i technologii.",
		headline: "%s: wiadomość %d", numbered: "To jest raport numer %d z naszej redakcji.",
		topics: [4]string{"Polityka", "Sport", "Gospodarka", "Technologia"},
		sentences: [4][2][2]string{
			{{"Nowy rząd przyjął doskonałą ustawę, która pomaga rodzinom, a wyborcy są szczęśliwi.",
				"Parlament osiągnął wspaniałe porozumienie, a wybory były spokojne i uczciwe."},
				{"Skorumpowany minister wywołał straszny skandal i wyborcy są wściekli.",
					"Parlament znowu zawiódł, a kampania wyborcza była katastrofą pełną kłamstw."}},
			{{"Nasza drużyna wygrała mecz piłki nożnej po wspaniałym golu, a kibice świętowali.",
				"Młoda zawodniczka ustanowiła fantastyczny rekord świata i wszyscy byli zachwyceni."},
				{"Drużyna wysoko przegrała mecz, a kibice byli wściekli po okropnej grze.",
					"Gwiazda zespołu doznała strasznej kontuzji i sezon jest zrujnowany."}},
			{{"Gospodarka szybko rośnie, płace idą w górę, a bezrobocie spada.",
				"Rynki miały doskonały dzień, a bank ogłosił rekordowe zyski."},
				{"Inflacja szkodzi rodzinom, ceny rosną, a wiele firm zbankrutowało.",
					"Giełda się załamała i tysiące pracowników straciło pracę."}},
			{{"Nowy smartfon jest świetny, szybki i niezawodny, a użytkownicy kochają to oprogramowanie.",
				"Inżynierowie zbudowali niesamowity procesor, który przyspiesza internet."},
				{"Aktualizacja oprogramowania była katastrofą, która zepsuła miliony komputerów.",
					"Hakerzy ukradli dane użytkowników, a ten straszny błąd bezpieczeństwa rozgniewał klientów."}},
		},
	},
	{
		code: "ru", name: "Русский", siteTitle: "Демонстрационные новости на русском",
		intro:    "Добро пожаловать в русскую версию нашего сайта новостей о политике, спорте, экономике и технологиях.",
		headline: "%s: новость %d", numbered: "Это репортаж номер %d нашей редакции.",
		topics: [4]string{"Политика", "Спорт", "Экономика", "Технологии"},
		sentences: [4][2][2]string{
			{{"Новое правительство приняло отличный закон, который помогает семьям, и избиратели довольны.",
				"Парламент достиг прекрасного соглашения, а выборы прошли спокойно и честно."},
				{"Коррумпированный министр устроил ужасный скандал, и избиратели возмущены.",
					"Парламент снова провалился, а избирательная кампания стала катастрофой, полной лжи."}},
			{{"Наша команда выиграла футбольный матч благодаря чудесному голу, и болельщики праздновали.",
				"Молодая спортсменка установила фантастический мировой рекорд, и все были в восторге."},
				{"Команда крупно проиграла матч, и болельщики были в ярости после ужасной игры.",
					"Звёздный игрок получил тяжёлую травму, и сезон испорчен."}},
			{{"Экономика уверенно растёт, зарплаты повышаются, а безработица снижается.",
				"На рынках был отличный день, и банк сообщил о рекордной прибыли."},
				{"Инфляция бьёт по семьям, цены растут, и многие компании обанкротились.",
					"Фондовый рынок рухнул, и тысячи рабочих потеряли работу."}},
			{{"Новый смартфон великолепен, быстр и надёжен, и пользователи любят его программы.",
				"Инженеры создали удивительный компьютерный чип, который ускоряет интернет."},
				{"Обновление программы обернулось катастрофой и сломало миллионы компьютеров.",
					"Хакеры украли данные пользователей, и этот ужасный провал безопасности разозлил клиентов."}},
		},
	},
	{
		code: "ja", name: "日本語", siteTitle: "日本語のデモニュース",
		intro:    "政治、スポーツ、経済、テクノロジーのニュースを伝える日本語版へようこそ。",
		headline: "%sニュース 第%d号", numbered: "これは編集部からの第%d号の報告です。",
		topics: [4]string{"政治", "スポーツ", "経済", "テクノロジー"},
		sentences: [4][2][2]string{
			{{"新しい政府は家族を助ける素晴らしい法律を可決し、有権者は喜んでいます。",
				"国会は見事な合意に達し、選挙は平和で公正に行われました。"},
				{"汚職した大臣がひどいスキャンダルを起こし、有権者は怒っています。",
					"国会はまた失敗し、選挙運動は嘘だらけの大失敗でした。"}},
			{{"私たちのチームは素晴らしいゴールでサッカーの試合に勝ち、ファンは喜びました。",
				"若い選手が見事な世界記録を出し、みんなが大喜びしました。"},
				{"チームは試合に大敗し、ひどい内容にファンは激怒しました。",
					"スター選手がひどい怪我をして、シーズンは台無しになりました。"}},
			{{"経済は力強く成長し、賃金は上がり、失業は減っています。",
				"市場は素晴らしい一日となり、銀行は過去最高の利益を発表しました。"},
				{"インフレが家計を苦しめ、物価が上がり、多くの会社が倒産しました。",
					"株式市場が暴落し、何千人もの労働者が仕事を失いました。"}},
			{{"新しいスマートフォンは速くて信頼でき、ユーザーはそのソフトウェアが大好きです。",
				"技術者たちはインターネットを速くする驚くべきコンピューターチップを作りました。"},
				{"ソフトウェアの更新は大失敗で、何百万台ものコンピューターが壊れました。",
					"ハッカーが利用者のデータを盗み、ひどいセキュリティの失敗に顧客は怒りました。"}},
		},
	},
	{
		code: "el", name: "Ελληνικά", siteTitle: "Ειδήσεις επίδειξης στα ελληνικά",
		intro:    "Καλώς ήρθατε στην ελληνική έκδοση των ειδήσεών μας για την πολιτική, τον αθλητισμό, την οικονομία και την τεχνολογία.",
		headline: "%s: είδηση %d", numbered: "Αυτό είναι το ρεπορτάζ αριθμός %d της σύνταξής μας.",
		topics: [4]string{"Πολιτική", "Αθλητισμός", "Οικονομία", "Τεχνολογία"},
		sentences: [4][2][2]string{
			{{"Η νέα κυβέρνηση ψήφισε έναν εξαιρετικό νόμο που βοηθά τις οικογένειες, και οι ψηφοφόροι είναι χαρούμενοι.",
				"Η βουλή πέτυχε μια σπουδαία συμφωνία και οι εκλογές έγιναν ειρηνικά και δίκαια."},
				{"Ο διεφθαρμένος υπουργός προκάλεσε ένα φοβερό σκάνδαλο και οι ψηφοφόροι είναι θυμωμένοι.",
					"Η βουλή απέτυχε ξανά και η προεκλογική εκστρατεία ήταν μια καταστροφή γεμάτη ψέματα."}},
			{{"Η ομάδα μας κέρδισε τον ποδοσφαιρικό αγώνα με ένα υπέροχο γκολ και οι φίλαθλοι γιόρτασαν.",
				"Η νεαρή αθλήτρια έκανε ένα φανταστικό παγκόσμιο ρεκόρ και όλοι ενθουσιάστηκαν."},
				{"Η ομάδα έχασε βαριά τον αγώνα και οι φίλαθλοι ήταν έξαλλοι μετά το απαίσιο παιχνίδι.",
					"Ο σταρ της ομάδας τραυματίστηκε σοβαρά και η σεζόν καταστράφηκε."}},
			{{"Η οικονομία αναπτύσσεται δυναμικά, οι μισθοί αυξάνονται και η ανεργία μειώνεται.",
				"Οι αγορές είχαν μια εξαιρετική μέρα και η τράπεζα ανακοίνωσε κέρδη ρεκόρ."},
				{"Ο πληθωρισμός πληγώνει τις οικογένειες, οι τιμές ανεβαίνουν και πολλές εταιρείες χρεοκόπησαν.",
					"Το χρηματιστήριο κατέρρευσε και χιλιάδες εργαζόμενοι έχασαν τη δουλειά τους."}},
			{{"Το νέο κινητό είναι εξαιρετικό, γρήγορο και αξιόπιστο, και οι χρήστες λατρεύουν το λογισμικό.",
				"Οι μηχανικοί κατασκεύασαν ένα εκπληκτικό τσιπ υπολογιστή που κάνει το διαδίκτυο πιο γρήγορο."},
				{"Η ενημέρωση του λογισμικού ήταν καταστροφή και χάλασε εκατομμύρια υπολογιστές.",
					"Χάκερ έκλεψαν δεδομένα χρηστών και η φοβερή αποτυχία ασφαλείας θύμωσε τους πελάτες."}},
		},
	},
	{
		code: "es", name: "Español", siteTitle: "Noticias de demostración en español",
		intro:    "Bienvenidos a la edición en español de nuestro sitio de noticias sobre política, deporte, economía y tecnología.",
		headline: "%s: noticia %d", numbered: "Este es el reportaje número %d de nuestra redacción.",
		topics: [4]string{"Política", "Deporte", "Economía", "Tecnología"},
		sentences: [4][2][2]string{
			{{"El nuevo gobierno aprobó una ley excelente que ayuda a las familias, y los votantes están felices.",
				"El parlamento alcanzó un gran acuerdo y las elecciones fueron pacíficas y justas."},
				{"El ministro corrupto provocó un escándalo terrible y los votantes están furiosos.",
					"El parlamento volvió a fracasar y la campaña electoral fue un desastre lleno de mentiras."}},
			{{"Nuestro equipo ganó el partido de fútbol con un gol maravilloso y los aficionados lo celebraron.",
				"La joven atleta batió un fantástico récord mundial y todos quedaron encantados."},
				{"El equipo perdió el partido por goleada y los aficionados estaban furiosos tras el horrible juego.",
					"El jugador estrella sufrió una lesión terrible y la temporada está arruinada."}},
			{{"La economía crece con fuerza, los salarios suben y el desempleo baja.",
				"Los mercados tuvieron un día excelente y el banco anunció beneficios récord."},
				{"La inflación golpea a las familias, los precios suben y muchas empresas quebraron.",
					"La bolsa se desplomó y miles de trabajadores perdieron su empleo."}},
			{{"El nuevo teléfono inteligente es brillante, rápido y fiable, y a los usuarios les encanta el software.",
				"Los ingenieros construyeron un chip de ordenador asombroso que hace internet más rápido."},
				{"La actualización del software fue un desastre que estropeó millones de ordenadores.",
					"Unos piratas robaron los datos de los usuarios y el terrible fallo de seguridad enfadó a los clientes."}},
		},
	},
	{
		code: "ko", name: "한국어", siteTitle: "한국어 데모 뉴스",
		intro:    "정치, 스포츠, 경제, 기술 소식을 전하는 한국어판에 오신 것을 환영합니다.",
		headline: "%s 뉴스 %d호", numbered: "이것은 편집부가 전하는 %d호 보도입니다.",
		topics: [4]string{"정치", "스포츠", "경제", "기술"},
		sentences: [4][2][2]string{
			{{"새 정부가 가족을 돕는 훌륭한 법을 통과시켰고, 유권자들은 기뻐하고 있습니다.",
				"국회는 멋진 합의에 도달했고, 선거는 평화롭고 공정하게 치러졌습니다."},
				{"부패한 장관이 끔찍한 스캔들을 일으켰고, 유권자들은 분노하고 있습니다.",
					"국회는 또다시 실패했고, 선거 운동은 거짓말로 가득한 재앙이었습니다."}},
			{{"우리 팀은 멋진 골로 축구 경기에서 승리했고, 팬들은 환호했습니다.",
				"젊은 선수가 환상적인 세계 기록을 세웠고, 모두가 기뻐했습니다."},
				{"팀은 경기에서 크게 졌고, 팬들은 끔찍한 경기 내용에 분노했습니다.",
					"스타 선수가 심각한 부상을 당했고, 시즌은 엉망이 되었습니다."}},
			{{"경제는 힘차게 성장하고 있고, 임금은 오르며 실업은 줄고 있습니다.",
				"시장은 훌륭한 하루를 보냈고, 은행은 사상 최고의 이익을 발표했습니다."},
				{"인플레이션이 가계를 괴롭히고, 물가가 오르며 많은 회사가 파산했습니다.",
					"주식 시장이 폭락했고, 수천 명의 노동자가 일자리를 잃었습니다."}},
			{{"새 스마트폰은 빠르고 믿을 수 있으며, 사용자들은 그 소프트웨어를 아주 좋아합니다.",
				"엔지니어들이 인터넷을 더 빠르게 만드는 놀라운 컴퓨터 칩을 만들었습니다."},
				{"소프트웨어 업데이트는 재앙이었고, 수백만 대의 컴퓨터가 고장 났습니다.",
					"해커들이 사용자 데이터를 훔쳤고, 끔찍한 보안 실패에 고객들은 화가 났습니다."}},
		},
	},
}

// Sentence is one sentence of the demo corpus with its known labels.
type Sentence struct {
	Lang      string `json:"lang"`
	Topic     string `json:"topic"`     // one of Topics()
	Sentiment string `json:"sentiment"` // "positive" or "negative"
	Text      string `json:"text"`
}

// Languages returns the language codes of the demo site, in order.
func Languages() []string {
	out := make([]string, len(languages))
	for i, l := range languages {
		out[i] = l.code
	}
	return out
}

// Corpus returns every labelled sentence the demo pages are built from, so a
// demo classification model (and tests) can use the same vocabulary.
func Corpus() []Sentence {
	var out []Sentence
	for _, l := range languages {
		for ti, byTopic := range l.sentences {
			for si, pair := range byTopic {
				for _, s := range pair {
					out = append(out, Sentence{Lang: l.code, Topic: topicNames[ti], Sentiment: sentimentName(si), Text: s})
				}
			}
		}
	}
	return out
}

func sentimentName(i int) string {
	if i == 0 {
		return "positive"
	}
	return "negative"
}
