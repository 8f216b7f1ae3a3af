#!/usr/bin/env python3
"""Writes a synthetic Jekyll-style site for the indexer benchmark.

usage: gen.py N OUTDIR [--seed S]

The site has the shape of numerique.gouv.fr: a _config.yml with the
collections evenements (40 %), actualites (40 %), communiques (10 %) and
publications (10 %), front matter with the fields the real documents use,
and Markdown bodies of 1 to 15 KB with the kramdown features found in the
real content (block and span IALs, HTML blocks, tables, blockquotes,
French typography).

Output is deterministic: document i depends only on the seed and on i, so
the first 1,000 documents of a 10,000-document site are the documents of a
1,000-document site with the same seed. Python 3 standard library only.
"""

import os
import random
import sys
import unicodedata

COLLECTIONS = [
    # label, share out of 10, permalink, extension
    ("evenements", 4, "/agenda/:title/"),
    ("actualites", 4, "/actualites/:title/"),
    ("communiques", 1, "/espace-presse/:title/"),
    ("publications", 1, "/publication/:title/"),
]

# Document i goes to the collection at position i % 10 of this list.
SLOTS = ["evenements"] * 4 + ["actualites"] * 4 + ["communiques",
                                                   "publications"]

NBSP = "\u00a0"
NNBSP = "\u202f"

TAG_BASE = [
    "Accessibilité", "RGAA", "FranceConnect", "Design public",
    "Design des services numériques", "Logiciel libre", "Open source",
    "Données", "Open data", "Intelligence artificielle", "Algorithmes",
    "Cloud", "Emploi", "RH", "Tech", "Innovation", "TECH.GOUV",
    "Semaine innovation publique", "Identité numérique", "Sécurité",
    "Cybersécurité", "Numérique responsable", "Écoconception",
    "Sobriété numérique", "Inclusion numérique", "Médiation numérique",
    "Tchap", "Messagerie", "Démarches simplifiées", "Dématérialisation",
    "API", "API Entreprise", "API Particulier", "Data.gouv.fr",
    "Etalab", "beta.gouv.fr", "Incubateur", "Startups d'État",
    "Entrepreneurs d'intérêt général", "EIG", "Hackathon", "Datathon",
    "Formation", "Campus du numérique", "Talents", "Recrutement",
    "Forum emploi", "Baromètre numérique de l'agent",
    "Environnement de travail numérique", "Poste de travail",
    "Réseau interministériel", "RIE", "Infrastructures", "Hébergement",
    "Souveraineté", "Achats", "Marchés publics", "Budget", "France Relance",
    "FranceRelance", "Plan de relance", "Transformation publique",
    "Services publics", "Usagers", "Expérience usager", "Qualité",
    "Observatoire", "Vox usagers", "Services en ligne", "Dites-le-nous une fois",
    "DLNUF", "Simplification", "Europe", "International", "Coopération",
    "Collectivités territoriales", "Territoires", "Régions", "Santé",
    "Éducation", "Justice", "Intérieur", "Armées", "Culture", "Écologie",
    "Agriculture", "Logement", "Transports", "Mobilité", "Travail",
    "Solidarités", "Handicap", "Jeunesse", "Sport", "Recherche",
    "Enseignement supérieur", "Communs numériques", "Licences libres",
    "Codes sources", "code.gouv.fr", "Transparence", "Éthique",
    "Protection des données", "RGPD", "CNIL", "Archives", "Téléservices",
    "Guichet", "Webinaire", "Atelier", "Meetup", "Conférence",
    "Café de la transfo", "Design", "UX", "UI", "Agilité", "DevOps",
    "Produit", "Méthode", "Numérique en santé", "Plateformes",
    "Interopérabilité", "Référentiels", "Standards", "Systèmes d'information",
    "Grands projets", "Panorama", "Feuille de route", "Stratégie",
]

CATEGORIES = [
    "Article", "Évènement", "Événement", "Forum emploi", "Identité numérique",
    "Semaine de l'innovation publique", "Communiqué de presse",
    "Publication", "Design", "Données", "Accessibilité", "Logiciel libre",
    "Transformation numérique", "Ressources humaines", "Infrastructures",
    "International", "Formation", "Sécurité", "Innovation", "Agenda",
]

WORDS = (
    "administration numérique service public agents usagers démarche "
    "plateforme données projet équipe ministère direction interministérielle "
    "transformation accessibilité qualité ouverture logiciel libre code "
    "source communauté innovation expérimentation design conception "
    "recrutement talents formation compétences cloud hébergement sécurité "
    "souveraineté interopérabilité référentiel standard outil environnement "
    "travail collaboration partage publication programme feuille route "
    "stratégie pilotage gouvernance budget financement relance territoire "
    "collectivité région commune réseau infrastructure poste messagerie "
    "identité connexion authentification simplification dématérialisation "
    "procédure dossier instruction délai accompagnement médiation inclusion "
    "écoconception sobriété impact évaluation indicateur baromètre enquête "
    "satisfaction résultat mesure usage parcours expérience interface "
    "prototype produit incubateur startup intrapreneur mentor atelier "
    "rencontre conférence webinaire session inscription calendrier édition "
    "lauréat candidature appel projets jury sélection promotion saison"
).split()

VERBS = (
    "accompagne publie lance propose organise présente simplifie ouvre "
    "déploie mesure améliore soutient renforce facilite anime réunit "
    "partage finance coordonne développe expérimente conçoit"
).split()

SUBJECTS = [
    "La DINUM", "La direction interministérielle du numérique", "Etalab",
    "L’incubateur beta.gouv.fr", "Le programme TECH.GOUV",
    "L’équipe du Campus du numérique", "Chaque ministère",
    "Le réseau des designers publics", "La mission Logiciels libres",
    "L’opérateur du RIE", "Le pôle Design des services numériques",
    "Le lab IA", "L’État", "La communauté des agents publics",
]

PLACES = [
    ("La Grande Crypte", "69 rue Boissière, 75016 PARIS"),
    ("Centre Pompidou", "Place Georges-Pompidou, 75004 Paris"),
    ("Ségur", "20 avenue de Ségur, 75007 Paris"),
    ("Station F", "5 parvis Alan Turing, 75013 Paris"),
    ("En ligne", None),
    ("En présentiel et en ligne", "61 Bd de la Prairie au Duc, 44200 Nantes"),
    ("Hôtel de Région", "1 esplanade François Mitterrand, 69002 Lyon"),
    ("Partout en France", None),
    ("Maison de l’innovation publique", "12 rue de l’Université, 75007 Paris"),
    ("Auditorium de la Cité", "2 quai de la Citadelle, 59000 Lille"),
]

ACCES_TYPES = ["Metro", "Métro", "Bus", "RER", "Tramway", "Vélib’"]
LIGNES = ["Segur ", "Duroc", "Trocadéro", "A", "B", "C", "T3a",
          "Victor-Hugo", "Boissière", "Bibliothèque F. Mitterrand"]

IMAGES = ["guichet-dlnuf-hub.png", "dix-principes.png", "franceconnect.png",
          "atelier-accessibilite.png", "forum-emploi-tech.png",
          "hackathon-dvf.png"]

LINKS = [
    "https://www.numerique.gouv.fr/publications/tech-gouv-strategie-et-feuille-de-route-2019-2021/",
    "https://beta.gouv.fr/",
    "https://www.data.gouv.fr/fr/datasets/",
    "https://code.gouv.fr/",
    "https://www.demarches-simplifiees.fr/",
    "https://accessibilite.numerique.gouv.fr/",
    "https://app.seekube.com/forum-de-lemploi-tech-de-letat",
    "https://www.eventbrite.fr/e/billets-atelier-debat-82962574293",
    "https://docs.partenaires.franceconnect.gouv.fr/",
    "https://design.numerique.gouv.fr/",
    "https://www.tchap.gouv.fr/",
    "/agenda/",
    "/actualites/",
    "/publications/dix-principes/",
]

HEADINGS = [
    "Au programme :", "Au programme", "Informations pratiques",
    "Comment y aller ?", "Pourquoi participer ?", "Ce qui change",
    "Les chiffres clés", "Qui peut candidater ?", "Calendrier",
    "Pour aller plus loin", "Les lauréats", "Les thématiques de cette année",
    "Une satisfaction en hausse", "Modalités d’inscription",
    "Qu’est-ce que c’est ?", "Les prochaines étapes",
]

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
          "août", "septembre", "octobre", "novembre", "décembre"]


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s)
                   if unicodedata.category(c) != "Mn")


def tag_pool():
    """About 300 tags: the base names plus case and accent variants, the
    way a CMS lets editors type the same tag several ways."""
    pool = list(TAG_BASE)
    seen = set(pool)
    r = random.Random("tags")
    for t in TAG_BASE:
        for v in (t.lower(), strip_accents(t), t.upper() if len(t) < 8
                  else t.capitalize()):
            if v not in seen and len(pool) < 300:
                seen.add(v)
                pool.append(v)
    while len(pool) < 300:
        v = "%s %s" % (r.choice(TAG_BASE), r.choice(["2021", "2022", "2023",
                                                     "en région", "Paris"]))
        if v not in seen:
            seen.add(v)
            pool.append(v)
    return pool


TAGS = tag_pool()

# YAML scalars that a YAML 1.1 reader would not take as a string.
YAML_SPECIAL = {"y", "n", "yes", "no", "true", "false", "on", "off", "null",
                "~"}


def plain_ok(s):
    if s == "" or s != s.strip() or s.lower() in YAML_SPECIAL:
        return False
    if not (s[0].isalpha() or s[0] == "«"):
        return False
    return not any(c in s for c in ':#{}[]&*!|>%@`"\\\n')


def wrap_words(s, first, width=80):
    """Splits s at spaces into lines, the first one shorter by first
    columns; a long word stays whole."""
    words = s.split(" ")
    lines, cur, limit = [], "", width - first
    for w in words:
        if cur and len(cur) + 1 + len(w) > limit:
            lines.append(cur)
            cur, limit = w, width - 2
        else:
            cur = w if not cur else cur + " " + w
    lines.append(cur)
    return lines


def ystr(s, indent, col):
    """s as a YAML scalar starting at column col, continuation lines
    indented by indent + 2, wrapped at 80 columns like Ruby's emitter."""
    if "\n" in s:
        pad = " " * (indent + 2)
        return "|-\n" + "\n".join(pad + ln if ln else "" for ln in
                                  s.split("\n"))
    if plain_ok(s) and "  " not in s and not s.split(" ")[-1].startswith("-"):
        lines = wrap_words(s, col)
        if all(not ln.startswith(("-", "#", "?")) for ln in lines):
            return ("\n" + " " * (indent + 2)).join(lines)
    q = "'" + s.replace("'", "''") + "'"
    if "  " in q:
        return q
    return ("\n" + " " * (indent + 2)).join(wrap_words(q, col))


class Text:
    """French prose with the site's typography: curly apostrophes,
    guillemets with non-breaking spaces, thin spaces before ; ! ?"""

    def __init__(self, r):
        self.r = r

    def words(self, lo, hi):
        r = self.r
        return " ".join(r.choice(WORDS) for _ in range(r.randint(lo, hi)))

    def sentence(self):
        r = self.r
        s = "%s %s %s" % (r.choice(SUBJECTS), r.choice(VERBS),
                          self.words(4, 14))
        k = r.random()
        if k < 0.12:
            s += " « %s »" % self.words(2, 5)
            s = s.replace("« ", "«" + NBSP).replace(" »", NBSP + "»")
        elif k < 0.2:
            s += " : %s" % self.words(3, 8)
            s = s.replace(" : ", NBSP + ": ")
        elif k < 0.26:
            s += " (%s)" % self.words(1, 4)
        elif k < 0.3:
            s += ", soit 1" + NBSP + "%03d agents" % r.randint(0, 999)
        elif k < 0.34:
            s += " l’an dernier, +6&nbsp;pts"
        if r.random() < 0.06:
            s += NNBSP + "?"
        elif r.random() < 0.04:
            s += NNBSP + "!"
        elif r.random() < 0.05:
            s += "…"
        else:
            s += "."
        return s

    def inline(self):
        """A sentence with inline Markdown: emphasis, links, span IALs."""
        r = self.r
        s = self.sentence()
        k = r.random()
        words = s.split(" ")
        if len(words) < 6:
            return s
        i = r.randint(1, len(words) - 4)
        span = " ".join(words[i:i + r.randint(1, 3)])
        rest = " ".join(words[i + len(span.split(" ")):])
        head = " ".join(words[:i])
        if k < 0.2:
            mid = "**%s**" % span
        elif k < 0.3:
            mid = "*%s*" % span
        elif k < 0.45:
            mid = "[%s](%s)" % (span, r.choice(LINKS))
        elif k < 0.55:
            mid = '[%s](%s){:target="_blank"}' % (span, r.choice(LINKS))
        elif k < 0.58:
            mid = '[%s](%s){:target="_blank" rel="noopener"}' % (
                span, r.choice(LINKS))
        elif k < 0.6:
            mid = "`%s`" % span
        else:
            return s
        return " ".join(x for x in (head, mid, rest) if x)

    def paragraph(self):
        r = self.r
        n = r.randint(2, 6)
        sep = "\n" if r.random() < 0.15 else " "
        return sep.join(self.inline() for _ in range(n))

    def date_fr(self):
        r = self.r
        return "%d %s %d" % (r.randint(1, 28), r.choice(MONTHS),
                             r.randint(2018, 2027))


def block(t, kind):
    r = t.r
    if kind == "p":
        return t.paragraph()
    if kind == "p-ial":
        return t.paragraph() + "\n{: .encadre}"
    if kind == "h2":
        return "## " + r.choice(HEADINGS)
    if kind == "h3":
        return "### " + r.choice(HEADINGS)
    if kind == "h4":
        return "#### **%s**\n***Du %s au %s***" % (
            t.words(3, 7).capitalize(), t.date_fr(), t.date_fr())
    if kind == "ul":
        items = []
        for _ in range(r.randint(2, 7)):
            it = "* **%s**" % t.words(2, 6).capitalize()
            if r.random() < 0.5:
                it += "\n<br>%s, %dh-%dh30" % (t.date_fr(), r.randint(9, 17),
                                               r.randint(10, 18))
            else:
                it += " : " + t.words(4, 12) + " ;"
            items.append(it)
        sep = "\n\n" if r.random() < 0.5 else "\n"
        return sep.join(items)
    if kind == "ol":
        return "\n".join("%d. %s" % (i + 1, t.inline())
                         for i in range(r.randint(2, 6)))
    if kind == "quote":
        lines = ["> " + t.sentence() for _ in range(r.randint(1, 3))]
        if r.random() < 0.5:
            lines.append("> * " + t.words(3, 8))
        return "\n".join(lines) + "\n{: .encadre}"
    if kind == "quote-nested":
        return ("> {: .text-center}\n>\n> #### **%s**\n>\n"
                "> {: .margin-top-1 .text-center}\n"
                '{: .encadre role="presentation" }') % t.sentence()
    if kind == "table":
        cols = r.randint(2, 4)
        head = "| " + " | ".join(t.words(1, 2).capitalize()
                                 for _ in range(cols)) + " |"
        rule = "|" + "|".join("---" for _ in range(cols)) + "|"
        rows = ["| " + " | ".join(t.words(1, 4) for _ in range(cols)) + " |"
                for _ in range(r.randint(2, 8))]
        return "\n".join([head, rule] + rows)
    if kind == "div":
        link = r.choice(LINKS)
        k = r.random()
        if k < 0.4:
            return ('<div align="center">\n<a \nhref="%s" class="button">'
                    "<b>S'inscrire</b></a>\n<br>Jusqu’au %s\n</div>") % (
                        link, t.date_fr())
        if k < 0.7:
            return '<div align="center"><h3>%s</h3></div>' % t.words(
                3, 6).capitalize()
        return ('<section id="menu-%d" class="cell white-container">\n'
                '<h2 class="text-center font-bold">Au menu</h2>\n'
                '<nav data-smooth-scroll class="grid-x">\n'
                '<a href="#forum-en-ligne" class="cell nav-section">\n'
                '<img alt="" src="/uploads/%s">\n'
                '<span class="h4 text-center">**%s**</span>\n'
                "</a>\n</nav>\n</section>") % (
                    r.randint(1, 99), r.choice(IMAGES), t.words(2, 4))
    if kind == "img":
        return "![%s](/uploads/%s)" % (t.words(2, 5), r.choice(IMAGES))
    if kind == "autolink":
        return r.choice([l for l in LINKS if l.startswith("https")])
    if kind == "hr":
        return "---" if r.random() < 0.5 else "* * *"
    raise ValueError(kind)


KINDS = (["p"] * 20 + ["p-ial"] * 2 + ["h2"] * 3 + ["h3"] * 3 + ["h4"] +
         ["ul"] * 4 + ["ol"] + ["quote"] * 2 + ["quote-nested"] +
         ["table"] + ["div"] * 2 + ["img"] + ["autolink"] + ["hr"])


BODY_MAX = 15 * 1024


def body(r, size):
    """Blocks until the body reaches size bytes, never past BODY_MAX: a
    block that would overflow gives way to one sentence."""
    t = Text(r)
    out = [t.paragraph()]
    n = len(out[0].encode()) + 1
    while n < size:
        b = block(t, r.choice(KINDS))
        if n + 2 + len(b.encode()) > BODY_MAX:
            b = t.sentence()
            if n + 2 + len(b.encode()) > BODY_MAX:
                break
        out.append(b)
        n += len(b.encode()) + 2
    return "\n\n".join(out) + "\n"


def paris_offset(y, mo, d):
    """Europe/Paris: +02:00 from the last Sunday of March to the last
    Sunday of October, +01:00 otherwise (to the day)."""
    import datetime

    def last_sunday(month):
        x = datetime.date(y, month, 31)
        return x - datetime.timedelta(days=(x.weekday() + 1) % 7)
    day = datetime.date(y, mo, d)
    return "+02:00" if last_sunday(3) <= day < last_sunday(10) else "+01:00"


def stamp(y, mo, d, h, mi):
    return "%04d-%02d-%02d %02d:%02d:00 %s" % (y, mo, d, h, mi,
                                              paris_offset(y, mo, d))


def slugify(s):
    s = strip_accents(s.lower().replace("’", "").replace("'", ""))
    out, dash = [], False
    for c in s:
        if c.isascii() and c.isalnum():
            out.append(c)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def title_for(r, label):
    t = Text(r)
    k = r.random()
    w = t.words(2, 5)
    if label == "evenements":
        head = r.choice(["Atelier", "Webinaire", "Hackathon", "Forum",
                         "Café de la transfo", "Meetup", "Journée",
                         "Conférence", "Session d’information"])
    elif label == "communiques":
        head = r.choice(["Communiqué", "Nomination", "Lancement",
                         "Annonce"])
    elif label == "publications":
        head = r.choice(["Guide", "Rapport", "Référentiel", "Étude",
                         "Les 10 principes"])
    else:
        head = r.choice(["Baromètre", "Retour sur", "Lancement de",
                         "Appel à projets", "Bilan", "Nouvelle version de"])
    if k < 0.35:
        return "%s «%s%s%s» %s" % (head, NBSP, w, NBSP, t.words(1, 4))
    if k < 0.6:
        return "%s : %s de l’État %d" % (head, w, r.randint(2018, 2027))
    if k < 0.75:
        return "%s %s d’%s" % (head, w, r.choice(["algorithmes", "agents",
                                                  "usagers", "innovation"]))
    return "%s %s" % (head, w)


def front_matter(r, label, i):
    t = Text(r)
    y = r.randint(2018, 2027)
    mo, d = r.randint(1, 12), r.randint(1, 28)
    title = title_for(r, label)
    fm = []

    def kv(key, val, indent=0):
        fm.append("%s%s: %s" % (" " * indent, key,
                                ystr(val, indent, indent + len(key) + 2)))

    kv("title", title)
    fm.append("date: " + stamp(y, mo, d, r.randint(7, 19), r.randint(0, 59)))
    fm.append("categories:")
    for c in r.sample(CATEGORIES, r.randint(1, 2)):
        fm.append("- " + ystr(c, 0, 2))
    fm.append("tags:")
    for tg in r.sample(TAGS, r.randint(1, 6)):
        fm.append("- " + ystr(tg, 0, 2))
    chapeau = " ".join(t.sentence() for _ in range(r.randint(1, 4)))
    if r.random() < 0.1:
        chapeau = chapeau + "\n\n" + t.sentence()
    elif r.random() < 0.15:
        chapeau += " **%s**" % t.words(2, 5)
    kv("chapeau-text", chapeau)
    if r.random() < 0.75:
        fm.append("une-ou-diaporama:")
        fm.append('- image: "/uploads/%s"' % r.choice(IMAGES))
        if r.random() < 0.6:
            kv("alternative-textuelle", t.words(2, 6).capitalize(), 2)
        if r.random() < 0.3:
            kv("legende", t.sentence(), 2)
    if label == "evenements":
        sy, smo, sd = y, mo, min(28, d + r.randint(0, 20))
        sh = r.choice([0, 9, 10, 14, 18])
        fm.append("event_start_date: " + stamp(sy, smo, sd, sh, 0))
        if r.random() < 0.6:
            fm.append("event_end_date: " +
                      stamp(sy, smo, min(28, sd + r.randint(0, 3)),
                            max(sh, r.choice([12, 17, 18, 20])), 0))
        lieu, adresse = r.choice(PLACES)
        if r.random() < 0.8:
            kv("lieu", lieu)
            if adresse is not None:
                kv("adresse", adresse)
        k = r.random()
        if k < 0.45:
            fm.append("acces:")
            for _ in range(r.randint(1, 3)):
                fm.append("- type: " + ystr(r.choice(ACCES_TYPES), 2, 8))
                fm.append("  lignes:")
                for _ in range(r.randint(1, 3)):
                    x = r.random()
                    if x < 0.2:
                        fm.append("  - nom: ")
                    elif x < 0.45:
                        fm.append("  - nom: %d" % r.randint(1, 96))
                    else:
                        fm.append("  - nom: " + ystr(r.choice(LIGNES), 4, 9))
        elif k < 0.5:
            fm.append("acces:\n- lien:\n  - Key: ")
        if r.random() < 0.7:
            fm.append("champs_informations:")
            for _ in range(r.randint(1, 5)):
                intitule = r.choice(["Modalités ", "Horaires",
                                     "Comment y aller ?", "Inscription",
                                     "Tous les jours", "Public"])
                fm.append("- intitule: " + ystr(intitule, 2, 12))
                x = r.random()
                if x < 0.2:
                    kv("contenu", "M°6 Boissière – M°2 Victor-Hugo\n\nRER A"
                       "  : Charles de Gaulle-Étoile", 2)
                elif x < 0.6:
                    kv("contenu", t.words(2, 8), 2)
                else:
                    kv("contenu", t.sentence(), 2)
                if r.random() < 0.5:
                    fm.append("  lien: " + r.choice(LINKS))
    elif label == "actualites" and r.random() < 0.5:
        kv("auteur", r.choice(["DINUM", "Etalab", "La rédaction",
                               "Équipe TECH.GOUV"]))
    if label == "publications" and r.random() < 0.5:
        fm.append("position: %d" % r.randint(1, 20))
        kv("subtitle", t.sentence())
    return title, (y, mo, d), "---\n" + "\n".join(fm) + "\n---\n\n"


CONFIG = """\
# A synthetic site for the indexer benchmark, laid out like
# numerique.gouv.fr (bench/index/gen.py).
title: numerique.gouv.fr
description: Le site de la direction interministérielle du numérique
url: https://www.numerique.gouv.fr
baseurl: ""
language: fr
timezone: Europe/Paris
future: true
pagination:
  per_page: 10
archives:
  tag: "/tag/:name/"
  category: "/categorie/:name/"
collections:
"""

TITLES = {"evenements": "Événements", "actualites": "Actualités",
          "communiques": "Communiqués de presse",
          "publications": "Publications"}
LAYOUTS = {"evenements": "evenement", "actualites": "actualite",
           "communiques": "communique", "publications": "publication"}

# A 1x1 transparent PNG, so that the images the documents name exist.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44"
    "ae426082")


def config():
    s = CONFIG
    for label, _, perm in COLLECTIONS:
        s += ("  %s:\n    title: %s\n    output: true\n"
              "    permalink: \"%s\"\n") % (label, TITLES[label], perm)
    s += "defaults:\n"
    for label, _, _ in COLLECTIONS:
        s += ("- scope:\n    path: ''\n    type: %s\n  values:\n"
              "    layout: %s\n") % (label, LAYOUTS[label])
    return s


def document(seed, i):
    """Document i: (collection, file name, text)."""
    r = random.Random("%s:%d" % (seed, i))
    label = SLOTS[i % 10]
    title, (y, mo, d), fm = front_matter(r, label, i)
    text = fm + body(r, r.randint(1024, BODY_MAX - 512))
    name = "%s-%05d" % (slugify(title)[:80].rstrip("-"), i)
    # Some files carry a date prefix, as in the real _actualites.
    if label in ("actualites", "communiques") and r.random() < 0.3:
        name = "%04d-%02d-%02d-%s" % (y, mo, d, name)
    ext = ".md" if r.random() < 0.2 else ".markdown"
    return label, name + ext, text


def main(argv):
    args = list(argv[1:])
    seed = "1"
    if "--seed" in args:
        k = args.index("--seed")
        if k + 1 >= len(args):
            sys.stderr.write("gen.py: --seed needs a value\n")
            return 2
        seed = args[k + 1]
        del args[k:k + 2]
    if len(args) != 2:
        sys.stderr.write("usage: gen.py N OUTDIR [--seed S]\n")
        return 2
    try:
        n = int(args[0])
    except ValueError:
        n = -1
    if n < 1:
        sys.stderr.write("gen.py: N must be a positive number\n")
        return 2
    out = args[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "_config.yml"), "w", encoding="utf-8") as f:
        f.write(config())
    for label, _, _ in COLLECTIONS:
        os.makedirs(os.path.join(out, "_" + label), exist_ok=True)
    os.makedirs(os.path.join(out, "uploads"), exist_ok=True)
    for img in IMAGES:
        with open(os.path.join(out, "uploads", img), "wb") as f:
            f.write(PNG)
    total = 0
    for i in range(n):
        label, name, text = document(seed, i)
        data = text.encode("utf-8")
        total += len(data)
        with open(os.path.join(out, "_" + label, name), "wb") as f:
            f.write(data)
    sys.stderr.write("gen.py: %d documents, %.1f MB in %s\n" %
                     (n, total / 1e6, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
