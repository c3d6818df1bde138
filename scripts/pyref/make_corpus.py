#!/usr/bin/env python3
"""Write tasks/classify/internal/hftok/testdata/corpus.jsonl.

Every sentence here was written for this corpus. Each line is a JSON object:
  {"id": "...", "text": "..."}                 a single text
  {"id": "...", "text": "...", "pair": "..."}  a premise/hypothesis pair
Run from the repository root: python3 scripts/pyref/make_corpus.py
"""
import json
import os

OUT = os.path.join("tasks", "classify", "internal", "hftok", "testdata", "corpus.jsonl")

SINGLES = [
    ("en_plain", "The quick delivery van stopped twice before it reached the old harbour."),
    ("en_contractions", "She'd say it's fine, but they're sure we'll need what you've got; I'm not."),
    ("en_caps_digits", "ORDER #4521 shipped on 2026-03-14 at 09:45, total $1,299.99 (tax incl.)."),
    ("fr", "L'été dernier, Hélène a goûté une crème brûlée à côté de la cathédrale."),
    ("fr_ligature", "Le cœur de l'œuvre: une ﬁne ﬂeur, Æsop et œufs à la coque."),
    ("de", "Die Straßenbahn fährt über die Brücke; Jürgen öffnet die Tür für Ärzte."),
    ("pl", "Zażółć gęślą jaźń, powiedział Łukasz, gdy źrebię biegło przez łąkę."),
    ("vi", "Tiếng Việt có nhiều dấu: người, được, những, đường phố Hà Nội rất đông."),
    ("cs", "Příliš žluťoučký kůň úpěl ďábelské ódy na Řípu u Brna."),
    ("tr", "İstanbul'da ışık yandı; IĞDIR ile iğne, İzmir ve ılık çay içtik."),
    ("tr_caps", "İİ ıı II ii: DİKKAT, ISPARTA ILICA, iNCE İnce."),
    ("ru", "Москва — столица России; ёжик пьёт чай с мёдом в Ёлкино."),
    ("uk", "Їжак і ґава зустрілися біля річки Дніпро у вівторок."),
    ("el", "Η Αθήνα είναι όμορφη· ο ΟΔΥΣΣΕΑΣ ταξίδεψε στην Ιθάκη, σωστά;"),
    ("ar", "ذهب الطالب إلى المكتبة صباحًا ليقرأ كتابًا عن تاريخ القاهرة."),
    ("he", "הילדה קראה ספר על ירושלים בשעות הערב המאוחרות."),
    ("hi", "मैं आज बाज़ार गया और ताज़ी सब्ज़ियाँ खरीदीं, फिर घर लौट आया।"),
    ("th", "วันนี้อากาศดีมาก เราจะไปเที่ยวทะเลที่ภูเก็ตกัน"),
    ("zh", "今天天气很好，我们去公园散步吧。北京的秋天特别美丽！"),
    ("zh_trad", "臺灣的夜市很熱鬧，滷肉飯和珍珠奶茶都很好吃。"),
    ("ja", "東京の駅で、カタカナの看板とひらがなの説明を見ました。ｶﾀｶﾅも。"),
    ("ko", "서울에서 친구를 만나 맛있는 김치찌개를 먹었어요. 한국어 공부 중!"),
    ("emoji", "Great job 👍🏽 team! 🎉🎉 Love it ❤️ 😀😂🥰🫠"),
    ("emoji_zwj", "Family: 👨‍👩‍👧‍👦 and 🏳️‍🌈 plus 👩🏾‍💻 coding."),
    ("emoji_flags", "Flags 🇫🇷 🇩🇪 🇯🇵 🇺🇸 and keycap 1️⃣ #️⃣."),
    ("nbsp", "Prix\u00a0: 12\u00a0€ — total\u202f: 15\u202f€ le\u00a0lundi."),
    ("zero_width", "zero\u200bwidth\u200djoiner\ufeffbom and\u200cnon-joiner."),
    ("bom_start", "\ufeffStarts with a byte order mark."),
    ("decomposed", "Cafe\u0301 re\u0301sume\u0301 nai\u0308ve A\u030angstro\u0308m n\u0303"),
    ("decomposed_mixed", "Precomposed é vs decomposed e\u0301; ñ vs n\u0303; Å vs A\u030a."),
    ("controls", "tab\there\nnewline\r\nCRLF\x01\x07bell\x1besc\x7fdel\x00nul end"),
    ("whitespace_runs", "   leading spaces   and    inner runs\t\t tabs  trailing   "),
    ("only_spaces", "     "),
    ("single_char", "a"),
    ("punct", "Wait... what?! (Really) [yes] {no} <maybe> \"quoted\" 'single' — – - _ ~ ` @ ^ | \\ /"),
    ("math_symbols", "x² + y³ = z½; ∑ ∫ √2 ≈ 1.414 ≤ ∞, ½ ¼ ⅞, ℃ № ™ ©."),
    ("fullwidth", "ＡＢＣ　ｘｙｚ　１２３！？（全角）"),
    ("urls", "Visit https://example.org/path?q=1&x=y#frag or mail me@example.com now."),
    ("code", "def f(x): return x**2 if x>0 else -x  # comment; a_b=c->d::e"),
    ("mixed_scripts", "Paris Париж パリ 巴黎 باريس פריז पेरिस ปารีส 파리 Παρίσι"),
    ("repeated_char", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("long_word", "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"),
    ("numbers", "3.14159 2,718 1e-9 0x1F 1_000_000 ٣٤٥ १२३ 一二三"),
    ("apostrophes", "don't DON'T it's IT'S rock'n'roll ’curly’ ‘quotes’ “double”"),
    ("special_like", "Text with [CLS] and [SEP] and <s> </s> <unk> [MASK] <mask> inside."),
    ("special_glued", "word[MASK]word <s>start end</s> [UNK][PAD]"),
    ("surrogate_like", "replacement \ufffd char and private \ue000 use \U0010fffd."),
    ("combining_stack", "Z\u0351\u0352\u0353a\u0354\u0355lgo\u0300\u0301\u0302\u0303 text"),
    ("hangul_jamo", "\u1100\u1161\u11a8 decomposed hangul \u1112\u1161\u11ab"),
    ("ideographic_space", "日本\u3000語\u3000テキスト"),
    ("line_sep", "line\u2028separator\u2029paragraph\u0085nel"),
    ("soft_hyphen", "co\u00adop\u00aderation and\u2060word\u2061joiner"),
    ("added_tokens", "Coffee ☕   now, ☕☕ and Straßenbahn Straße ıı xıı ıı. harbour harbours Jürgen  Jürgen's ışıklı"),
    ("zalgo", "ok z" + "\u0301\u0316\u0300\u0317" * 10 + "a end"),
    ("zalgo_precomposed", "x" + "é" * 3 + "\u0301" * 40 + "y" + "\u0327\u0301" * 20 + "C\u0327"),
    ("unicode_new", "digits \U0001FBF5\U0001FBF1 mod \U0001E030\U0001E031 dives \U00011935\U00011930 "
     "e\u1DF6\u0301 melt \U0001FAE0 pound \u0890x dash \u2E44 vedic \u1CF2 \U0001F16C"),
    ("unicode_format", "soft\u00ADhyphen arabic\u0600mark \u061Calm \U000110CD kaithi \U00013430hier"),
    ("unicode16_case", "Cyrillic \u1C89x Latin \uA7CB\uA7CC\uA7DA\uA7DC Garay \U00010D50\U00010D65 Σίσυφος ΟΔΟΣ"),
    ("empty", ""),
]


def long_text(lang: str, n: int) -> str:
    parts = []
    for i in range(n):
        if lang == "en":
            parts.append(
                f"Report {i}: sensor {i * 7} near bridge {chr(65 + i % 26)} measured "
                f"{i * 3}.{i % 10} degrees while the crew logged note {i % 13}."
            )
        elif lang == "de":
            parts.append(
                f"Meldung {i}: Der Fühler {i * 5} an der Brücke {chr(65 + i % 26)} maß "
                f"{i % 40} Grad, während Jürgen größere Schäden prüfte."
            )
        else:
            parts.append(f"第{i}号报告：桥{i % 9}附近的传感器测得{i * 2}度，工作人员记录了情况。")
    return " ".join(parts)


LONGS = [
    ("long_en", long_text("en", 60)),
    ("long_de", long_text("de", 50)),
    ("long_zh", long_text("zh", 40)),
]

PAIRS = [
    ("pair_en", "A man is playing a guitar on the stage.", "Someone performs music."),
    ("pair_fr", "Les enfants jouent dans le jardin après l'école.", "Les enfants dorment."),
    ("pair_tr", "İstanbul'da akşam ışıklar yandı.", "Şehirde hava karardı."),
    ("pair_zh_en", "我喜欢在周末读书。", "The speaker enjoys reading on weekends."),
    ("pair_emoji", "The party was 🎉 amazing!", "Everyone was bored 😴."),
    ("pair_empty_b", "Only the premise has words.", ""),
    ("pair_long_a", long_text("en", 30), "The crew logged notes."),
    ("pair_long_b", "Short premise.", long_text("de", 30)),
    ("pair_long_both", long_text("en", 25), long_text("de", 25)),
]


def main() -> None:
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for cid, text in SINGLES + LONGS:
            f.write(json.dumps({"id": cid, "text": text}, ensure_ascii=False) + "\n")
        for cid, a, b in PAIRS:
            f.write(json.dumps({"id": cid, "text": a, "pair": b}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
