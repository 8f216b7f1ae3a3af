#include <string.h>

#include "buf.h"
#include "log.h"
#include "permalink.h"
#include "t.h"

/* OK evaluates its condition twice: calls with effects go through here. */
#define CHECK(cond, ...) do {						\
	int t_c = (cond);						\
	OK(t_c, __VA_ARGS__);						\
} while (0)

static void
slug(const char *in, enum permalink_slug_mode mode, int cased,
    const char *want)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "kept:");
	permalink_slugify(&b, in, strlen(in), mode, cased);
	EQS(b.data + 5, want, "slug \"%s\" (mode %d%s)", in, (int)mode,
	    cased ? ", cased" : "");
	OK(strncmp(b.data, "kept:", 5) == 0, "slug appends");
	buf_release(&b);
}

static void
test_slugs(void)
{
	struct buf b = BUF_INIT;
	const char *n = "atelier-<<-histoire-s-dalgorithmes->>-dans-le-cadre"
	    "-de-la-semaine-de-linnovation-publique-5ca8c5";

	permalink_title_slug(&b, n, strlen(n));
	EQS(b.data, "atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-"
	    "semaine-de-linnovation-publique-5ca8c5", ":title of the brief");
	buf_release(&b);
	slug("TECH-GOUV -nouvelle-actualisation-mi-2021-feuille-route",
	    PERMALINK_SLUG_PRETTY, 1,
	    "TECH-GOUV-nouvelle-actualisation-mi-2021-feuille-route");
	slug("projets-informatiques-de-l'état", PERMALINK_SLUG_PRETTY, 1,
	    "projets-informatiques-de-l'état");
	slug("projets-informatiques-de-l'état", PERMALINK_SLUG_DEFAULT, 0,
	    "projets-informatiques-de-l-état");
	slug("Ségur  du Numérique", PERMALINK_SLUG_DEFAULT, 0,
	    "ségur-du-numérique");
	slug("ÉTÉ", PERMALINK_SLUG_DEFAULT, 0, "été");
	slug("ÉTÉ", PERMALINK_SLUG_PRETTY, 1, "ÉTÉ");
	slug("a._~!$&'()+,;=@b", PERMALINK_SLUG_PRETTY, 1,
	    "a._~!$&'()+,;=@b");
	slug("a._~!$&'()+,;=@b", PERMALINK_SLUG_DEFAULT, 0, "a-b");
	slug("--a--b--", PERMALINK_SLUG_PRETTY, 1, "a-b");
	slug("a/b?c#d%e*f", PERMALINK_SLUG_PRETTY, 1, "a-b-c-d-e-f");
	slug("e\xcc\x81t\xc3\xa9", PERMALINK_SLUG_DEFAULT, 0,
	    "e\xcc\x81t\xc3\xa9");	/* combining mark kept */
	slug("日本語 ٣", PERMALINK_SLUG_DEFAULT, 0, "日本語-٣");
	slug("² ½", PERMALINK_SLUG_DEFAULT, 0, "");	/* No, not Nd */
	slug("a\xff" "b", PERMALINK_SLUG_PRETTY, 1, "a-b");
	slug("", PERMALINK_SLUG_PRETTY, 1, "");
	slug("-", PERMALINK_SLUG_PRETTY, 1, "");
	slug("<<>>", PERMALINK_SLUG_PRETTY, 1, "");
	slug("Un  Deux\tTrois", PERMALINK_SLUG_RAW, 0, "un-deux-trois");
	slug(" a b ", PERMALINK_SLUG_RAW, 1, "a-b");
}

static void
expand(const char *pattern, const struct permalink_vars *v,
    const char *want)
{
	struct buf b = BUF_INIT;
	struct ferr e;

	memset(&e, 0, sizeof(e));
	if (permalink_expand(&b, pattern, v, &e) == -1) {
		buf_reset(&b);
		buf_printf(&b, "ERR %s", e.msg);
		OK(e.line == 0, "expand errors carry no position");
	}
	EQS(b.data, want, "expand gives %s", want);
	buf_release(&b);
}

static void
test_expand(void)
{
	struct str cats[] = { { "Formation", 9 }, { "FORMATION", 9 },
	    { "Événement", 11 }, { "a b", 3 } };
	struct permalink_vars v;
	struct buf b = BUF_INIT;
	struct ferr e;
	int i;

	memset(&v, 0, sizeof(v));
	v.slug_src = str_from("atelier-<<-histoire->>-été");
	v.name = str_from("2019-04-08-Atelier Été");
	v.path = str_from("/formation/design");
	v.collection = str_from("evenements");
	v.output_ext = str_from(".html");
	expand("/:collection/:path:output_ext", &v,
	    "/evenements/formation/design.html");
	expand("/:collection/:title/", &v,
	    "/evenements/atelier-histoire-%C3%A9t%C3%A9/");
	expand("/:slug/", &v, "/atelier-histoire-%C3%A9t%C3%A9/");
	expand("/:name/", &v, "/2019-04-08-atelier-%C3%A9t%C3%A9/");
	expand("none", &v, "/atelier-histoire-%C3%A9t%C3%A9.html");
	expand("/:categories/:title_x", &v,
	    "ERR unknown placeholder \":title_x\" in permalink "
	    "\"/:categories/:title_x\"");
	expand("/:title_/", &v, "/atelier-histoire-%C3%A9t%C3%A9_/");
	expand("/:year/", &v,
	    "ERR permalink uses \":year\" but the document has no date");
	expand("/:foo/", &v,
	    "ERR unknown placeholder \":foo\" in permalink \"/:foo/\"");
	expand("/a:1/:Title/", &v, "/a:1/:Title/");
	expand("pretty", &v, "ERR permalink uses \":year\" but the document "
	    "has no date");
	v.has_date = 1;
	v.year = 2019;
	v.month = 4;
	v.day = 8;
	v.hour = 9;
	v.minute = 5;
	v.second = 3;
	v.yday = 98;
	expand("pretty", &v, "/2019/04/08/atelier-histoire-%C3%A9t%C3%A9/");
	expand("date", &v, "/2019/04/08/atelier-histoire-%C3%A9t%C3%A9.html");
	expand("ordinal", &v, "/2019/098/atelier-histoire-%C3%A9t%C3%A9.html");
	expand("/:year/:month/:day/:hour/:minute/:second/", &v,
	    "/2019/04/08/09/05/03/");
	expand("/:short_year/:i_month/:i_day/", &v, "/19/4/8/");
	v.year = 2005;
	expand("/:short_year/", &v, "/05/");
	v.categories = cats;
	v.ncategories = 4;
	expand("/:categories/:title/", &v, "/formation/%C3%A9v%C3%A9nement/"
	    "a%20b/atelier-histoire-%C3%A9t%C3%A9/");
	v.ncategories = 0;
	/* sanitising */
	expand("//a///b//", &v, "/a/b/");
	expand("a/./b", &v, "/a/b");
	expand("/a/../b", &v, "ERR permalink has a \"..\" segment");
	expand("/..", &v, "ERR permalink has a \"..\" segment");
	expand("/a..b/", &v, "/a..b/");
	expand("", &v, "/");
	expand("/a\nb", &v, "ERR permalink has a line break");
	v.path = str_make("/x\r\ny", 5);
	expand("/:path/", &v,
	    "ERR value of \":path\" has a line break or a NUL byte");
	v.path = str_make("/x\0y", 4);
	expand("/:path/", &v,
	    "ERR value of \":path\" has a line break or a NUL byte");
	v.path = str_from("/../../etc/passwd");
	expand("/:path", &v, "ERR permalink has a \"..\" segment");
	v.path = str_from("/a?b#c d%");
	expand("/:path", &v, "/a%3Fb%23c%20d%25");
	/* length limit: 511 bytes pass, 512 do not */
	for (i = 0; i < 510; i++)
		buf_addc(&b, 'a');
	v.path = str_make(b.data, b.len);
	memset(&e, 0, sizeof(e));
	{
		struct buf out = BUF_INIT;

		CHECK(permalink_expand(&out, "/:path", &v, &e) == 0 &&
		    out.len == 511, "511 bytes allowed");
		buf_addc(&b, 'a');
		v.path = str_make(b.data, b.len);
		CHECK(permalink_expand(&out, "/:path", &v, &e) == -1 &&
		    out.len == 0, "512 bytes refused, output emptied");
		EQS(e.msg, "permalink longer than 511 bytes", "length message");
		buf_release(&out);
	}
	buf_release(&b);
}

static void
test_filename_date(void)
{
	int y = 0, m = 0, d = 0;
	size_t rest = 0;

	EQI(permalink_filename_date("2018-07-19-communique-4", 23, &y, &m, &d,
	    &rest), 0, "dated name");
	OK(y == 2018 && m == 7 && d == 19 && rest == 11, "date parts %d-%d-%d "
	    "rest %zu", y, m, d, rest);
	EQI(permalink_filename_date("2016-3-2-x", 10, &y, &m, &d, &rest), 0,
	    "one-digit month and day");
	OK(y == 2016 && m == 3 && d == 2 && rest == 9, "short parts");
	EQI(permalink_filename_date("2024-02-29-x", 12, &y, &m, &d, &rest), 0,
	    "leap day");
	EQI(permalink_filename_date("2000-02-29-x", 12, &y, &m, &d, &rest), 0,
	    "leap day 2000");
	EQI(permalink_filename_date("2023-02-29-x", 12, &y, &m, &d, &rest), -1,
	    "no leap day 2023");
	EQI(permalink_filename_date("1900-02-29-x", 12, &y, &m, &d, &rest), -1,
	    "no leap day 1900");
	EQI(permalink_filename_date("2024-13-45-x", 12, &y, &m, &d, &rest), -1,
	    "month 13");
	EQI(permalink_filename_date("2024-00-10-x", 12, &y, &m, &d, &rest), -1,
	    "month 0");
	EQI(permalink_filename_date("2024-04-31-x", 12, &y, &m, &d, &rest), -1,
	    "April 31");
	EQI(permalink_filename_date("2024-04-00-x", 12, &y, &m, &d, &rest), -1,
	    "day 0");
	EQI(permalink_filename_date("2024-12-31-", 11, &y, &m, &d, &rest), 0,
	    "empty rest");
	EQI(rest, 11, "rest at the end");
	EQI(permalink_filename_date("2024-12-31", 10, &y, &m, &d, &rest),
	    PERMALINK_NODATE, "no dash after the day");
	EQI(permalink_filename_date("24-12-31-x", 10, &y, &m, &d, &rest),
	    PERMALINK_NODATE, "two-digit year");
	EQI(permalink_filename_date("2024-123-1-x", 12, &y, &m, &d, &rest),
	    PERMALINK_NODATE, "three-digit month");
	EQI(permalink_filename_date("actu-test", 9, &y, &m, &d, &rest),
	    PERMALINK_NODATE, "undated name");
	EQI(permalink_filename_date("", 0, &y, &m, &d, &rest),
	    PERMALINK_NODATE, "empty name");
	EQI(permalink_filename_date("2024-12-31-x", 4, &y, &m, &d, &rest),
	    PERMALINK_NODATE, "length respected");
}

int
main(void)
{
	test_slugs();
	test_expand();
	test_filename_date();
	return T_DONE();
}
