#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "slug.h"
#include "t.h"

static struct buf b = BUF_INIT;

static const char *
slug(const char *s)
{
	int rc;

	buf_reset(&b);
	rc = slug_make(&b, s, strlen(s));
	if (rc == -1)
		return "(invalid)";
	if (rc == SLUG_EMPTY)
		return b.len == 0 ? "(empty)" : "(empty but written)";
	return buf_cstr(&b);
}

static const char *
nfc(const char *s, size_t len)
{
	buf_reset(&b);
	if (slug_nfc(&b, s, len) != 0)
		return "(invalid)";
	return buf_cstr(&b);
}

int
main(void)
{
	static const struct {
		const char *in, *want, *what;
	} cases[] = {
		{ "Ségur", "segur", "accent dropped" },
		{ "Se\xcc\x81gur", "segur", "decomposed accent dropped" },
		{ "FranceConnect", "franceconnect", "case folded" },
		{ "franceconnect", "franceconnect", "already a slug" },
		{ "semaine innovation publique", "semaine-innovation-publique",
		    "spaces become dashes" },
		{ "Cœur", "coeur", "oe ligature" },
		{ "CŒUR", "coeur", "upper-case OE ligature" },
		{ "Æther", "aether", "AE ligature" },
		{ "Straße", "strasse", "sharp s" },
		{ "STRAẞE", "strasse", "capital sharp s" },
		{ "Øresund", "oresund", "o with stroke" },
		{ "Łódź", "lodz", "l with stroke and accents" },
		{ "Đà Nẵng", "da-nang", "d with stroke, stacked accents" },
		{ "Þór", "thor", "thorn" },
		{ "İstanbul", "istanbul", "dotted capital I" },
		{ "l’État", "l-etat", "typographic apostrophe separates" },
		{ "l'État", "l-etat", "ASCII apostrophe separates" },
		{ "  --Données  ouvertes!!  ", "donnees-ouvertes",
		    "runs collapse, ends trimmed" },
		{ "Tech.gouv / DINUM", "tech-gouv-dinum", "punctuation runs" },
		{ "ﬁnance", "finance", "fi ligature by compatibility" },
		{ "ＡＢＣ１２", "abc12", "full-width letters" },
		{ "IA & données", "ia-donnees", "ampersand" },
		{ "2024", "2024", "digits kept" },
		{ "x²", "x2", "superscript by compatibility" },
		{ "東京", "東京", "CJK kept as it is" },
		{ "東京 2020", "東京-2020", "CJK and digits" },
		{ "Ελλάδα", "ελλαδα", "Greek lower-cased without tonos" },
		{ "Москва", "москва", "Cyrillic lower-cased" },
		{ "Ёлка", "елка", "Cyrillic diaeresis dropped" },
		{ "हिन्दी", "हिन्दी", "Devanagari signs kept" },
		{ "한국어", "한국어", "Hangul recomposed" },
		{ "مرحبا بكم", "مرحبا-بكم", "Arabic kept" },
		{ "in\xc2\xadno\xe2\x80\x8bvation", "innovation",
		    "soft hyphen and zero-width space ignored" },
		{ "a\xc2\xa0" "b", "a-b", "no-break space separates" },
		{ "tab\there\nline", "tab-here-line", "controls separate" },
		{ "emoji 🎉 fête", "emoji-fete", "symbols separate" },
		{ "\xcc\x81" "abc", "abc", "leading lone accent" },
	};
	size_t i;
	int rc;
	char nul[] = "a\0b";
	char big[5000];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		EQS(slug(cases[i].in), cases[i].want, "%s", cases[i].what);

	EQS(slug(""), "(empty)", "empty name");
	EQS(slug("!!! ?"), "(empty)", "punctuation only");
	EQS(slug("’'"), "(empty)", "apostrophes only");
	EQS(slug("🎉"), "(empty)", "symbol only");
	EQS(slug("\xcc\x81"), "(empty)", "a lone combining mark");

	buf_reset(&b);
	rc = slug_make(&b, nul, 3);
	EQI(rc, 0, "embedded NUL");
	EQS(buf_cstr(&b), "a-b", "NUL is a separator");

	EQS(slug("\xff"), "(invalid)", "invalid byte");
	EQS(slug("abc\xc3"), "(invalid)", "truncated sequence");
	EQS(slug("\xc0\xaf"), "(invalid)", "overlong form");
	EQS(slug("\xe0\x80\xaf"), "(invalid)", "three-byte overlong");
	EQS(slug("\xed\xa0\x80"), "(invalid)", "surrogate");
	EQS(slug("\xf4\x90\x80\x80"), "(invalid)", "above U+10FFFF");
	EQS(slug("\x80" "abc"), "(invalid)", "stray continuation byte");

	buf_reset(&b);
	buf_adds(&b, "keep/");
	rc = slug_make(&b, "Ségur", 6);
	EQS(buf_cstr(&b), "keep/segur", "appends to what is there");
	rc = slug_make(&b, "\xff", 1);
	EQS(buf_cstr(&b), "keep/segur", "invalid input leaves out alone");
	rc = slug_make(&b, "...", 3);
	EQS(buf_cstr(&b), "keep/segur", "empty result leaves out alone");

	memset(big, 'A', sizeof(big));
	for (i = 1; i < sizeof(big); i += 7)
		big[i] = ' ';
	buf_reset(&b);
	rc = slug_make(&b, big, sizeof(big));
	OK(rc == 0 && b.len > 0 && b.data[0] == 'a' &&
	    b.data[b.len - 1] != '-' && strstr(b.data, "--") == NULL,
	    "long input: one dash per run, none at the ends");
	{
		char *once = xstrdup(slug("Cœur de l’État — Ségur"));

		EQS(slug(once), once, "a slug is its own slug");
		free(once);
	}

	EQS(nfc("e\xcc\x81t\xc3\xa9", 6), "été", "NFC composes");
	EQS(nfc("\xef\xac\x81", 3), "ﬁ", "NFC keeps compatibility characters");
	EQS(nfc("Ségur", 6), "Ségur", "NFC of NFC is unchanged");
	EQS(nfc("a\xcc\xa3\xcc\x87", 5), "ạ̇", "NFC orders and composes marks");
	EQS(nfc("\xff", 1), "(invalid)", "NFC refuses invalid UTF-8");
	EQS(nfc("", 0), "", "NFC of nothing");
	buf_reset(&b);
	rc = slug_nfc(&b, nul, 3);
	OK(rc == 0 && b.len == 3 && memcmp(b.data, nul, 3) == 0,
	    "NFC keeps an embedded NUL");

	buf_release(&b);
	return T_DONE();
}
