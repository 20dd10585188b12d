package password

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// messages returns the problems of ws, in the order Check lists them.
func messages(ws ...weakness) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.message())
	}
	return out
}

func TestCheckRefusesGuessable(t *testing.T) {
	p := NewPolicy(15)
	cases := []struct {
		name, password string
		want           []string
	}{
		{"listed passwords joined", "password123password", messages(weakWords)},
		{"well-known phrase", "correcthorsebatterystaple", messages(weakPhrase)},
		{"well-known phrase with spaces", "correct horse battery staple", messages(weakPhrase)},
		{"well-known phrase in l33t", "c0rrect h0rse b4ttery st4ple", messages(weakPhrase)},
		{"well-known phrase and a year", "Correct-Horse-Battery-Staple-2026", messages(weakPhrase, weakDate)},
		{"pangram", "the quick brown fox jumps over the lazy dog", messages(weakPhrase)},
		{"keyboard rows", "qwertyuiopasdfghjkl", messages(weakKeyboard)},
		{"keyboard rows backwards", "zxcvbnmasdfghjkl", messages(weakKeyboard)},
		{"keyboard columns", "zaq1xsw2cde3vfr4", messages(weakWords, weakKeyboard)},
		{"Japanese word repeated", "パスワードパスワードパスワードパス", messages(weakRepeat)},
		{"Japanese word repeated, then more", "パスワードパスワードパスワード猫犬", messages(weakRepeat)},
		{"Russian word repeated", "парольпарольпароль", messages(weakRepeat)},
		{"Greek name repeated with spaces", "ιωάννης ιωάννης ιωάννης", messages(weakRepeat)},
		{"phrase repeated", "blue sky blue sky blue sky", messages(weakRepeat)},
		{"listed password repeated, then more", "trustno1trustno1x", messages(weakRepeat)},
		{"sequences", "abcdefg1234567xyz", messages(weakSequence)},
		{"word and a date", "birthday19871204x", messages(weakWords, weakDate)},
		{"dates with separators", "12/04/1987 and 01-01-2000", messages(weakWords, weakDate)},
		{"name, year and city", "john smith 1987 london", messages(weakWords, weakDate)},
		{"word, name and year", "iloveyoubaby2024", messages(weakWords, weakDate)},
		{"three common words", "applebananacherry", messages(weakWords)},
		{"service name and words", "vigil is my password", messages(weakContext, weakWords)},
		{"service name, words and year", "my vigil account 2026", messages(weakContext, weakWords, weakDate)},
		{"username in l33t and words", "4l1c3 l0ves gr33n tea", messages(weakContext, weakWords)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.Check(c.password, "alice")
			if !slices.Equal(got, c.want) {
				t.Fatalf("Check = %q; want %q", got, c.want)
			}
		})
	}
}

// commonWords are a few hundred common English words with nothing to do
// with each other, for random passphrases.
var commonWords = strings.Fields(`
acorn actor admiral adobe airport alarm album almond amber anchor angle ankle antler apple apron
arcade arch arena armor arrow artist ash atlas attic autumn avocado axle bacon badge bagel bakery
balcony ballet bamboo banjo banner barrel basin basket bath beacon beard beetle bell bench berry
bicycle biscuit blanket blender blossom boat bonnet bottle boulder bracelet branch bread brick
bridge broom bubble bucket buffalo bugle bunny butter button cabin cactus camel camera candle canoe
canvas canyon carpet carrot castle cattle cellar cement chalk channel cherry chimney chisel circus
clam cliff clock cloud clover coast cobweb coconut coffee comet compass copper coral cotton cradle
crayon cricket crystal cup curtain cushion daisy dancer desert diamond dinner dolphin domino donkey
dragonfly drawer drum duckling dune eagle easel echo eclipse elbow elephant elm ember engine
envelope eraser fabric falcon feather fence fern ferry fiddle fig flannel flute fog forest fossil
fountain fox frost galaxy garden garlic gazelle geyser ginger glacier glove goblet goose granite
grape gravel guitar gutter hammer harbor harp harvest hazel helmet hermit hinge hockey honey hoof
horizon hornet hotel hurdle iceberg igloo ink island ivory jacket jaguar jelly jigsaw journal
juniper kayak kettle kiosk kitten knapsack knot ladder lagoon lake lantern laptop lemon lentil
lettuce library lighthouse lily lizard lobster locket lumber magnet mammoth mango maple marble
meadow melon mirror mitten molasses monsoon moss mountain muffin mustard napkin nectar needle nest
nickel noodle nutmeg oasis oat ocean olive onion orbit orchard orchid otter oven owl oyster paddle
palace pancake panther paper parade parrot pebble pelican pencil pepper piano pickle pillow pine
planet plum pocket pony poppy potato pottery prism puddle pumpkin puzzle quarry quartz quill quilt
rabbit radar radish raft raisin ramp raven razor reef ribbon rice riddle river robin rocket rooster
rope rubber ruby rudder saddle saffron sailor salmon sandal satchel scarf scooter seashell shadow
sheep shovel silver skate sled slipper snail snowflake socket sofa spider sponge spoon squirrel
stable statue stove straw sugar summit sunflower swan table tablet tadpole tambourine teapot
telescope tent thimble thunder ticket tiger timber toast tomato tortoise towel tractor trumpet
tulip tunnel turnip turtle umbrella unicorn valley vanilla velvet violin volcano vulture waffle
wagon walnut walrus wardrobe wasp water whistle willow window wizard wolf wool yacht yarn yogurt
zebra zipper`)

// Words of other scripts, for random passphrases that zxcvbn's English
// data knows nothing about.
var otherScripts = map[string]struct {
	sep   string
	words []string
}{
	"Russian": {" ", strings.Fields(`яблоко река окно зима лампа книга дорога море гора ветер облако собака
		кошка чайник мост поезд звезда ложка снег трава берёза песок город остров лодка карта замок ключ
		свеча крыша шапка рыба птица луна солнце хлеб молоко сад утро вечер`)},
	"Greek": {" ", strings.Fields(`μήλο ποτάμι παράθυρο χειμώνας λάμπα βιβλίο δρόμος θάλασσα βουνό άνεμος
		σύννεφο σκύλος γάτα γέφυρα τρένο αστέρι κουτάλι χιόνι χορτάρι άμμος πόλη νησί βάρκα χάρτης κλειδί
		κερί στέγη ψάρι πουλί φεγγάρι ήλιος ψωμί γάλα κήπος πρωί`)},
	"Japanese": {"", strings.Fields(`りんご かわ まど ふゆ でんき ほん みち うみ やま かぜ くも いぬ ねこ やかん
		はし でんしゃ ほし ゆき くさ すな まち しま ふね ちず かぎ ろうそく やね さかな とり つき たいよう
		ぱん にわ あさ ゆうがた 電車 地図 太陽 屋根 林檎`)},
	"Hindi": {" ", strings.Fields(`पानी किताब खिड़की सर्दी दीपक सड़क समुद्र पहाड़ हवा बादल कुत्ता बिल्ली पुल
		रेलगाड़ी तारा बर्फ घास रेत शहर द्वीप नाव नक्शा चाबी मोमबत्ती छत मछली पक्षी चाँद सूरज रोटी दूध बगीचा
		सुबह शाम`)},
}

// randomPassphrase returns distinct random words of list joined by sep:
// at least four, and more until it has at least 15 characters.
func randomPassphrase(r *rand.Rand, list []string, sep string) string {
	var words []string
	for len(words) < 4 || utf8.RuneCountInString(strings.Join(words, sep)) < 15 {
		if w := list[r.IntN(len(list))]; !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return strings.Join(words, sep)
}

func TestCheckAcceptsRandomPassphrases(t *testing.T) {
	p := NewPolicy(15)
	r := rand.New(rand.NewPCG(936, 2026))
	for range 300 {
		sep := []string{" ", "-"}[r.IntN(2)]
		pw := randomPassphrase(r, commonWords, sep)
		if got := p.Check(pw, "alice"); got != nil {
			l, _ := p.words.estimate(Normalize(pw), "alice")
			t.Errorf("Check(%q) = %q (10^%.1f guesses)", pw, got, l)
		}
	}
}

func TestCheckAcceptsRandomPassphrasesInOtherScripts(t *testing.T) {
	p := NewPolicy(15)
	r := rand.New(rand.NewPCG(1, 800))
	for name, s := range otherScripts {
		for range 50 {
			pw := randomPassphrase(r, s.words, s.sep)
			if got := p.Check(pw, "alice"); got != nil {
				t.Errorf("%s: Check(%q) = %q", name, pw, got)
			}
		}
	}
}

// Only the first estimateRunes characters (after joinWords) are estimated:
// a guessable start is refused whatever follows, and what follows a
// strong start is not estimated.
func TestCheckEstimatesTheStart(t *testing.T) {
	p := NewPolicy(15)
	weakStart := "passwordpasswordpasswordpassword tiger orbit lantern maple walrus"
	if got, want := p.Check(weakStart, "alice"), messages(weakRepeat); !slices.Equal(got, want) {
		t.Errorf("Check(weak start) = %q; want %q", got, want)
	}
	strongStart := "tiger orbit lantern maple walrus quill qwertyuiopasdfghjkl"
	if got := p.Check(strongStart, "alice"); got != nil {
		t.Errorf("Check(strong start) = %q; want nil", got)
	}
}

// The estimate is only made when no other rule refused the password:
// those have already said what makes it guessable.
func TestCheckGuessOnlyAfterTheOtherRules(t *testing.T) {
	p := NewPolicy(15)
	for pw, want := range map[string][]string{
		"qwerty12":                   {msgShort15, msgCommon},
		"qwertyuiop":                 {msgShort15, msgCommon},
		"zxcvbnmasdf":                {msgShort15},
		"alicezxcvbnmasdfghjkl":      {msgUsername},
		"sunshine sunshine sunshine": {msgCommon},
	} {
		if got := p.Check(pw, "alice"); !slices.Equal(got, want) {
			t.Errorf("Check(%q) = %q; want %q", pw, got, want)
		}
	}
}

func TestJoinWords(t *testing.T) {
	for in, want := range map[string]string{
		"correct horse battery staple": "correcthorsebatterystaple",
		"correct-horse_battery.staple": "correcthorsebatterystaple",
		"tiger -- orbit , 42":          "tigerorbit42",
		"  leading and trailing  ":     "  leadingandtrailing  ",
		"Xk9#mQ2$vL7!":                 "Xk9#mQ2$vL7!",
		"🐢 slow turtles 🏁":             "🐢 slowturtles 🏁",
		"мой пароль":                   "мойпароль",
		"-----":                        "-----",
		"":                             "",
	} {
		if got := joinWords(in); got != want {
			t.Errorf("joinWords(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestProxy(t *testing.T) {
	p := newProxy("ab ΑΒΓΔ a Α日本")
	if got := p.text[:3]; got != "ab " {
		t.Fatalf("printable ASCII rewritten: %q", got)
	}
	codes := []byte(p.text[3:7])
	if p.text[7:10] != " a " || p.text[10] != codes[0] {
		t.Fatalf("proxy %q: ASCII or a repeated character rewritten otherwise", p.text)
	}
	seen := map[byte]bool{}
	for i, c := range []byte(p.text[3:7] + p.text[11:]) {
		if isPrintableASCII(rune(c)) || seen[c] {
			t.Fatalf("code %#x of character %d is printable or given twice: %q", c, i, p.text)
		}
		seen[c] = true
	}
	for i := 1; i < len(codes); i++ {
		if d := int(codes[i]) - int(codes[i-1]); -5 <= d && d <= 5 {
			t.Fatalf("codes %x step by %d: zxcvbn would read a sequence", codes, d)
		}
	}
	if _, ok := p.mapKnown("Ωmega"); ok {
		t.Fatal("mapKnown accepted a character the password lacks")
	}
	if got, ok := p.mapKnown("Βab"); !ok || got != string(codes[1])+"ab" {
		t.Fatalf("mapKnown = %q, %v", got, ok)
	}
}

// The first estimateRunes characters of a password all get codes of their
// own, however many scripts it mixes.
func TestProxyCodesAreEnough(t *testing.T) {
	var b strings.Builder
	for r := rune(0x4e00); b.Len() < 3*(estimateRunes+10); r++ {
		b.WriteRune(r)
	}
	s := firstRunes(b.String(), estimateRunes)
	p := newProxy(s)
	if len(p.codes) != estimateRunes {
		t.Fatalf("%d codes for %d characters", len(p.codes), estimateRunes)
	}
	seen := map[byte]bool{}
	for _, c := range p.codes {
		if seen[c] {
			t.Fatalf("code %#x given twice", c)
		}
		seen[c] = true
	}
}
