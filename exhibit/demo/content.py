"""The demo exhibit as plain data: who, where, what, and how it is arranged.

Written by us from the facts in DESIGN.md ("The first exhibit it must carry"); nothing here is
copied from elsewhere. Quotations are our paraphrases and say so. Apart from the GALO photograph
named in the design, archival file numbers are illustrative and say so in their notes.

Objects refer to each other by natural key (a slug, a repository abbreviation, or a key of
``REFERENCES``), which the loader resolves; nothing here touches the database.
"""

import datetime as dt

from exhibit.models import Block, Contributor, Entity, Rights, Status

# Everything published by the demo carries this time, so a second run finds nothing to change.
PUBLISHED_AT = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)

ILLUSTRATIVE = (
    "Demo reference: the file numbers are illustrative and have not been checked against "
    "the archive's finding aid."
)

CONTRIBUTORS = [
    {
        "slug": "demo-erika-mustermann",
        "name": "Erika Mustermann",
        "role": Contributor.Role.CURATOR,
        "bio": "Fictional demo curator (the name is the German sample name). Replace with the "
        "real curators of your exhibit.",
    },
    {
        "slug": "demo-ivan-ivanov",
        "name": "Ivan Ivanov",
        "role": Contributor.Role.AUTHOR,
        "bio": "Fictional demo author (the name is the Russian sample name). Replace with the "
        "real author of the essay.",
    },
    {
        "slug": "demo-jane-doe",
        "name": "Jane Doe",
        "role": Contributor.Role.OTHER,
        "bio": "Fictional demo cartographer, credited with the schematic map.",
    },
]

REPOSITORIES = [
    {
        "abbreviation": "RGVA",
        "name": "Russian State Military Archive",
        "name_original": "Российский государственный военный архив",
        "former_names": "TsGASA — Central State Archive of the Soviet Army (c. 1958–1992)",
        "place": "Moscow",
        "url": "",
    },
    {
        "abbreviation": "GALO",
        "name": "State Archive of Lipetsk Oblast",
        "name_original": "Государственный архив Липецкой области",
        "former_names": "",
        "place": "Lipetsk",
        "url": "",
    },
    {
        "abbreviation": "HA Krupp",
        "name": "Krupp Historical Archive",
        "name_original": "Historisches Archiv Krupp",
        "former_names": "",
        "place": "Essen",
        "url": "",
    },
    {
        "abbreviation": "MAN Archive",
        "name": "MAN corporate archive",
        "name_original": "",
        "former_names": "",
        "place": "Augsburg",
        "url": "",
    },
    {
        "abbreviation": "MBCA",
        "name": "Mercedes-Benz Classic Archive (Daimler-Benz records)",
        "name_original": "",
        "former_names": "",
        "place": "Stuttgart",
        "url": "",
    },
    {
        "abbreviation": "NARA",
        "name": "US National Archives and Records Administration",
        "name_original": "",
        "former_names": "",
        "place": "College Park, Maryland",
        "url": "https://www.archives.gov/",
    },
]

FRS = "Collection of Foreign Records Seized"

# key -> fields of an ArchivalReference. The key is ours; the loader finds an existing row by
# repository and numbers, so the same reference is never created twice.
REFERENCES = {
    "galo-pilots": {
        "repository": "GALO",
        "fond": "2176",
        "opis": "1",
        "delo": "1",
        "title": "Photograph: German pilots disguised as tourists on their way to the Lipetsk "
        "aerodrome",
        "date": "1925/1933",
        "notes": "Cited in the project design. The photograph is not reproduced in the demo; a "
        "labelled placeholder stands in for it.",
    },
    "rgva-fili": {
        "repository": "RGVA",
        "fond": "33987",
        "opis": "3",
        "delo": "295",
        "leaf_start": "12",
        "leaf_end": "14",
        "leaf_end_verso": True,
        "title": "Correspondence on deliveries from the Junkers works at Fili",
        "date": "1923/1925",
        "notes": ILLUSTRATIVE,
    },
    "rgva-lipetsk-report": {
        "repository": "RGVA",
        "fond": "33987",
        "opis": "3",
        "delo": "505",
        "leaf_start": "22",
        "leaf_end": "24",
        "leaf_end_verso": True,
        "title": "Report on the German flying school at Lipetsk",
        "date": "c. 1929",
        "notes": ILLUSTRATIVE,
    },
    "rgva-lipetsk-hangars": {
        "repository": "RGVA",
        "fond": "29",
        "opis": "26",
        "delo": "127",
        "leaf_start": "3",
        "title": "Photographs of the Lipetsk aerodrome",
        "date": "c. 1928",
        "notes": ILLUSTRATIVE,
    },
    "rgva-lipetsk-aircraft": {
        "repository": "RGVA",
        "fond": "29",
        "opis": "26",
        "delo": "127",
        "leaf_start": "5",
        "leaf_start_verso": True,
        "title": "Photographs of the Lipetsk aerodrome",
        "date": "c. 1930",
        "notes": ILLUSTRATIVE,
    },
    "rgva-podosinki": {
        "repository": "RGVA",
        "fond": "4",
        "opis": "2",
        "delo": "412",
        "leaf_start": "31",
        "leaf_start_verso": True,
        "title": "Report on chemical trials at Podosinki",
        "date": "1927",
        "notes": ILLUSTRATIVE,
    },
    "krupp-kama": {
        "repository": "HA Krupp",
        "system": "box",
        "collection": "WA 4",
        "box": "2577",
        "title": "Reports on vehicle trials in the Soviet Union",
        "date": "1929/1931",
        "notes": ILLUSTRATIVE,
    },
    "mbca-kama": {
        "repository": "MBCA",
        "system": "box",
        "collection": "Daimler-Benz AG, technical drawings",
        "box": "112",
        "folder": "7",
        "title": "Chassis drawing for a trial vehicle",
        "date": "1928/1929",
        "notes": ILLUSTRATIVE,
    },
    "man-kama": {
        "repository": "MAN Archive",
        "system": "box",
        "collection": "Travel files",
        "box": "31",
        "folder": "44",
        "title": "Travel arrangements for engineers sent to Kazan",
        "date": "c. 1930",
        "notes": ILLUSTRATIVE,
    },
    "nara-russia-policy": {
        "repository": "NARA",
        "system": "box",
        "collection": FRS,
        "box": "1187",
        "folder": "4",
        "title": "Memoranda on policy towards Soviet Russia (filmed copies)",
        "date": "1922",
        "notes": ILLUSTRATIVE,
    },
    "nara-junkers-affair": {
        "repository": "NARA",
        "system": "box",
        "collection": FRS,
        "box": "1189",
        "folder": "2",
        "item": "7",
        "title": "Notes and press cuttings on the Junkers affair",
        "date": "1926-12",
        "notes": ILLUSTRATIVE,
    },
    "nara-protocol": {
        "repository": "NARA",
        "system": "box",
        "collection": FRS,
        "box": "3052",
        "folder": "1",
        "title": "Filmed copy of the secret additional protocol of 23 August 1939",
        "date": "1939-08-23",
        "notes": ILLUSTRATIVE,
    },
}

PERSON, PLACE, ORGANISATION, EVENT = (
    Entity.Kind.PERSON,
    Entity.Kind.PLACE,
    Entity.Kind.ORGANISATION,
    Entity.Kind.EVENT,
)

# Identifiers are given only where we are sure of them; curators can add the rest.
ENTITIES = [
    # People
    {
        "slug": "hans-von-seeckt",
        "kind": PERSON,
        "name": "Hans von Seeckt",
        "sort_name": "Seeckt, Hans von",
        "date": "1866-04-22/1936-12-27",
        "alternative_names": "Johannes Friedrich Leopold von Seeckt\nГанс фон Сект",
        "description": "Head of the German army command, 1920–1926, and the chief advocate of "
        "military cooperation with Soviet Russia.",
    },
    {
        "slug": "enver-pasha",
        "kind": PERSON,
        "name": "Enver Pasha",
        "date": "1881-11-22/1922-08-04",
        "alternative_names": "İsmail Enver\nEnver Paşa\nEnver Pascha\nЭнвер-паша",
        "description": "Former Ottoman war minister; in Moscow around 1920 he is said to have "
        "carried messages between German officers and Soviet leaders.",
    },
    {
        "slug": "leon-trotsky",
        "kind": PERSON,
        "name": "Leon Trotsky",
        "sort_name": "Trotsky, Leon",
        "date": "1879-11-07/1940-08-21",
        "wikidata": "Q33391",
        "alternative_names": "Lev Davidovich Bronstein\nLeo Trotzki\nЛев Давидович Троцкий\n"
        "Троцкий",
        "description": "People's Commissar for Military and Naval Affairs from 1918 to 1925, "
        "the years of the first contacts with the Reichswehr.",
    },
    {
        "slug": "vladimir-lenin",
        "kind": PERSON,
        "name": "Vladimir Lenin",
        "sort_name": "Lenin, Vladimir",
        "date": "1870-04-22/1924-01-21",
        "wikidata": "Q1394",
        "alternative_names": "Vladimir Ilyich Ulyanov\nWladimir Iljitsch Lenin\n"
        "Владимир Ильич Ленин\nЛенин",
        "description": "Head of the Soviet government, who accepted foreign concessions as a "
        "way to bring capital and technology into the country.",
    },
    {
        "slug": "heinz-guderian",
        "kind": PERSON,
        "name": "Heinz Guderian",
        "sort_name": "Guderian, Heinz",
        "date": "1888-06-17/1954-05-14",
        "alternative_names": "Heinz Wilhelm Guderian\nГейнц Гудериан",
        "description": "German officer and advocate of armoured forces; he visited the tank "
        "school near Kazan.",
    },
    {
        "slug": "oswald-lutz",
        "kind": PERSON,
        "name": "Oswald Lutz",
        "sort_name": "Lutz, Oswald",
        "date": "1876-11-06/1944-02-26",
        "alternative_names": "Освальд Лутц",
        "description": "German officer who oversaw the motorised troops, the branch behind the "
        "tank trials in the Soviet Union.",
    },
    {
        "slug": "ernst-volckheim",
        "kind": PERSON,
        "name": "Ernst Volckheim",
        "sort_name": "Volckheim, Ernst",
        "date": "1898/1962",
        "alternative_names": "Ernst Volkheim",
        "description": "German officer and early writer on tank tactics, associated with the "
        "German armoured programme that used the school at Kama.",
    },
    {
        "slug": "mikhail-tukhachevsky",
        "kind": PERSON,
        "name": "Mikhail Tukhachevsky",
        "sort_name": "Tukhachevsky, Mikhail",
        "date": "1893-02-16/1937-06-12",
        "alternative_names": "Mikhail Nikolayevich Tukhachevsky\nMichail Tuchatschewski\n"
        "Tuchatschewski\nМихаил Николаевич Тухачевский\nТухачевский",
        "description": "Soviet commander and military thinker, a leading figure in the Red "
        "Army's modernisation; shot in the purges of 1937.",
    },
    {
        "slug": "vladimir-triandafillov",
        "kind": PERSON,
        "name": "Vladimir Triandafillov",
        "sort_name": "Triandafillov, Vladimir",
        "date": "1894-03-14/1931-07-12",
        "alternative_names": "Vladimir Kiriakovich Triandafillov\nWladimir Triandafillow\n"
        "Владимир Кириакович Триандафиллов\nТриандафиллов",
        "description": "Soviet staff officer and theorist of operations in depth; killed in an "
        "air crash in 1931.",
    },
    {
        "slug": "yakov-fishman",
        "kind": PERSON,
        "name": "Yakov Fishman",
        "sort_name": "Fishman, Yakov",
        "date": "1887/1961",
        "alternative_names": "Yakov Moiseyevich Fishman\nJakow Fischman\n"
        "Яков Моисеевич Фишман\nФишман",
        "description": "Head of the Red Army's military-chemical service and the principal "
        "Soviet figure in the chemical trials.",
    },
    {
        "slug": "joseph-stalin",
        "kind": PERSON,
        "name": "Joseph Stalin",
        "sort_name": "Stalin, Joseph",
        "date": "1878-12-18/1953-03-05",
        "wikidata": "Q855",
        "alternative_names": "Iosif Vissarionovich Dzhugashvili\nJosef Stalin\n"
        "Иосиф Виссарионович Сталин\nСталин",
        "description": "Soviet leader from the later 1920s, under whom the bases were closed and "
        "the 1939 pact with Nazi Germany was signed.",
    },
    # Places
    {
        "slug": "moscow",
        "kind": PLACE,
        "name": "Moscow",
        "latitude": "55.755800",
        "longitude": "37.617300",
        "wikidata": "Q649",
        "geonames": "524901",
        "alternative_names": "Moskau\nMoskva\nМосква",
        "description": "Soviet capital; the distances to the training sites are measured from "
        "here.",
    },
    {
        "slug": "fili",
        "kind": PLACE,
        "name": "Fili",
        "latitude": "55.746000",
        "longitude": "37.514000",
        "alternative_names": "Фили",
        "description": "District on the western edge of Moscow, site of the Junkers aircraft "
        "concession. Coordinates approximate.",
    },
    {
        "slug": "podosinki",
        "kind": PLACE,
        "name": "Podosinki",
        "latitude": "55.690000",
        "longitude": "37.800000",
        "alternative_names": "Подосинки",
        "description": "Chemical-weapons test range on the south-eastern edge of Moscow, used "
        "before the trials moved to Tomka. Coordinates approximate.",
    },
    {
        "slug": "lipetsk",
        "kind": PLACE,
        "name": "Lipetsk",
        "latitude": "52.603100",
        "longitude": "39.570800",
        "geonames": "535121",
        "alternative_names": "Lipezk\nЛипецк",
        "description": "Town about 500 km south-east of Moscow, home of the German flying school.",
    },
    {
        "slug": "kazan",
        "kind": PLACE,
        "name": "Kazan",
        "latitude": "55.796400",
        "longitude": "49.108900",
        "wikidata": "Q900",
        "alternative_names": "Kasan\nКазань",
        "description": "City about 800 km east of Moscow, near which the tank school Kama stood.",
    },
    {
        "slug": "samara",
        "kind": PLACE,
        "name": "Samara",
        "latitude": "53.195900",
        "longitude": "50.100200",
        "alternative_names": "Kuibyshev (1935–1991)\nKuibyschew\nСамара\nКуйбышев",
        "description": "City on the Volga near which the Tomka chemical-weapons site is usually "
        "placed.",
    },
    {
        "slug": "tomka",
        "kind": PLACE,
        "name": "Tomka chemical-weapons site",
        "alternative_names": "Tomka\nТомка",
        "description": "Joint chemical-weapons test site in the Volga region, usually described "
        "as near Samara; accounts differ on its exact position, so no coordinates are given.",
    },
    {
        "slug": "rapallo",
        "kind": PLACE,
        "name": "Rapallo",
        "latitude": "44.350000",
        "longitude": "9.233300",
        "alternative_names": "Рапалло",
        "description": "Town on the Ligurian coast where the German-Soviet treaty of April 1922 "
        "was signed.",
    },
    # Organisations
    {
        "slug": "reichswehr",
        "kind": ORGANISATION,
        "name": "Reichswehr",
        "date": "1919/1935",
        "alternative_names": "Рейхсвер",
        "description": "The armed forces of the Weimar Republic, limited by the Treaty of "
        "Versailles.",
    },
    {
        "slug": "red-army",
        "kind": ORGANISATION,
        "name": "Red Army",
        "date": "1918/1946",
        "alternative_names": "Workers' and Peasants' Red Army\nRKKA\nRote Armee\n"
        "Рабоче-крестьянская Красная армия\nРККА",
        "description": "The Soviet army, partner of the Reichswehr in the training schools and "
        "test sites.",
    },
    {
        "slug": "junkers",
        "kind": ORGANISATION,
        "name": "Junkers",
        "alternative_names": "Junkers Flugzeugwerk\nЮнкерс",
        "description": "German aircraft maker that ran the aircraft concession at Fili.",
    },
    {
        "slug": "krupp",
        "kind": ORGANISATION,
        "name": "Krupp",
        "date": "1811/1999",
        "alternative_names": "Fried. Krupp\nКрупп",
        "description": "Essen steel and armaments firm whose engineers worked on the trial "
        "vehicles at Kama.",
    },
    {
        "slug": "daimler-benz",
        "kind": ORGANISATION,
        "name": "Daimler-Benz",
        "date": "1926/1998",
        "alternative_names": "Daimler-Benz AG\nДаймлер-Бенц",
        "description": "Stuttgart motor manufacturer whose engineers worked on the trial "
        "vehicles at Kama.",
    },
    {
        "slug": "man",
        "kind": ORGANISATION,
        "name": "M.A.N.",
        "alternative_names": "MAN\nMaschinenfabrik Augsburg-Nürnberg",
        "description": "Augsburg engineering firm whose engineers worked on the trial vehicles at "
        "Kama.",
    },
    {
        "slug": "lipetsk-flying-school",
        "kind": ORGANISATION,
        "name": "Lipetsk flying school",
        "date": "1925/1933",
        "alternative_names": "Lipezk\nЛипецкая авиашкола",
        "description": "German flying school and test centre at Lipetsk, run in secret with "
        "the Red Army; nearly 1,000 Germans passed through it.",
    },
    {
        "slug": "kama-tank-school",
        "kind": ORGANISATION,
        "name": "Kama tank school",
        "date": "1926/1933",
        "alternative_names": "Kama\nTEKO\nТЕКО\nКама",
        "description": "German-Soviet tank school near Kazan, called TEKO in Soviet files; set "
        "up under an agreement of 1926, with courses from about 1929.",
    },
    # Events
    {
        "slug": "treaty-of-rapallo",
        "kind": EVENT,
        "name": "Treaty of Rapallo",
        "date": "1922-04-16",
        "alternative_names": "Vertrag von Rapallo\nРапалльский договор",
        "description": "German-Soviet treaty restoring diplomatic relations and settling war "
        "claims. It has no military clauses, but framed the cooperation that followed.",
    },
    {
        "slug": "junkers-scandal",
        "kind": EVENT,
        "name": "Junkers scandal",
        "date": "1926-12-03",
        "alternative_names": "Junkers affair\nJunkers-Affäre",
        "description": "The exposure of the secret cooperation in the British press on 3 "
        "December 1926; the affair reached the Reichstag later that month.",
    },
    {
        "slug": "molotov-ribbentrop-pact",
        "kind": EVENT,
        "name": "Molotov-Ribbentrop Pact",
        "date": "1939-08-23",
        "alternative_names": "Hitler-Stalin Pact\nHitler-Stalin-Pakt\nNazi-Soviet Pact\n"
        "Пакт Молотова — Риббентропа",
        "description": "Non-aggression treaty between Nazi Germany and the Soviet Union, with a "
        "secret protocol dividing eastern Europe into spheres of interest.",
    },
    {
        "slug": "operation-barbarossa",
        "kind": EVENT,
        "name": "Operation Barbarossa",
        "date": "1941-06-22",
        "alternative_names": "Unternehmen Barbarossa\nОперация «Барбаросса»",
        "description": "The German invasion of the Soviet Union.",
    },
]

PLACEHOLDER_CREDIT = "Placeholder generated for the demo; no scan reproduced."

IMAGES = [
    {
        "slug": "galo-german-pilots-as-tourists",
        "title": "German pilots disguised as tourists on their way to the Lipetsk aerodrome",
        "motif": "travellers",
        "reference": "galo-pilots",
        "date": "1925/1933",
        "rights": Rights.UNDETERMINED,
        "alt_text": "Placeholder card standing in for a photograph of German pilots in civilian "
        "clothes on their way to the Lipetsk aerodrome: simple drawn figures with hats and "
        "suitcases, and the words “PLACEHOLDER — no scan reproduced”.",
        "caption": "German pilots, dressed and travelling as tourists, on their way to the "
        "aerodrome at Lipetsk. The photograph is held by the State Archive of Lipetsk Oblast; "
        "this placeholder stands in for it until a scan can be shown.",
        "credit_line": f"State Archive of Lipetsk Oblast (GALO). {PLACEHOLDER_CREDIT}",
        "entities": ["lipetsk", "lipetsk-flying-school", "reichswehr"],
    },
    {
        "slug": "lipetsk-aerodrome-hangars",
        "title": "Hangars at the Lipetsk aerodrome",
        "motif": "aerodrome",
        "reference": "rgva-lipetsk-hangars",
        "date": "c. 1928",
        "rights": Rights.NOT_EVALUATED,
        "alt_text": "Placeholder card standing in for a photograph of the hangars at Lipetsk: "
        "three drawn hangars, a wind sock and a small biplane, with the word PLACEHOLDER.",
        "caption": "The hangars of the German flying school at Lipetsk. Placeholder for a "
        "photograph in a Soviet file.",
        "credit_line": f"Russian State Military Archive (RGVA). {PLACEHOLDER_CREDIT}",
        "entities": ["lipetsk", "lipetsk-flying-school"],
    },
    {
        "slug": "lipetsk-aircraft-on-the-field",
        "title": "Fighter aircraft lined up on the field at Lipetsk",
        "motif": "aircraft",
        "reference": "rgva-lipetsk-aircraft",
        "date": "c. 1930",
        "rights": Rights.NOT_EVALUATED,
        "alt_text": "Placeholder card standing in for a photograph of aircraft at Lipetsk: four "
        "drawn biplanes in a row on the ground, with the word PLACEHOLDER.",
        "caption": "Single-seat fighters of the flying school lined up on the field. "
        "Placeholder for a photograph in a Soviet file.",
        "credit_line": f"Russian State Military Archive (RGVA). {PLACEHOLDER_CREDIT}",
        "entities": ["lipetsk", "lipetsk-flying-school", "reichswehr"],
    },
    {
        "slug": "fili-junkers-works",
        "title": "The Junkers aircraft works at Fili",
        "motif": "factory",
        "reference": "rgva-fili",
        "date": "1923/1925",
        "rights": Rights.NOT_EVALUATED,
        "alt_text": "Placeholder card standing in for a photograph of the Junkers works at "
        "Fili: a drawn factory with a saw-tooth roof and a chimney, with the word PLACEHOLDER.",
        "caption": "The former car works at Fili, on the western edge of Moscow, where Junkers "
        "was to build aircraft for the Soviet air force. Placeholder for a photograph.",
        "credit_line": f"Russian State Military Archive (RGVA). {PLACEHOLDER_CREDIT}",
        "entities": ["fili", "moscow", "junkers"],
    },
    {
        "slug": "junkers-affair-press-cutting",
        "title": "Press cutting on the Junkers affair, December 1926",
        "motif": "newspaper",
        "reference": "nara-junkers-affair",
        "date": "1926-12",
        "rights": Rights.NOT_EVALUATED,
        "alt_text": "Placeholder card standing in for a newspaper cutting: a drawn newspaper "
        "page with a masthead and three columns of grey bars instead of text.",
        "caption": "A press report on the secret cooperation, kept with German official notes "
        "on the affair. Placeholder for a filmed copy.",
        "credit_line": f"US National Archives (NARA), {FRS}. {PLACEHOLDER_CREDIT}",
        "entities": ["junkers-scandal", "junkers", "reichswehr"],
    },
    {
        "slug": "kama-trial-vehicle",
        "title": "A trial vehicle on the range at Kama",
        "motif": "tank",
        "reference": "krupp-kama",
        "date": "c. 1929",
        "rights": Rights.UNDETERMINED,
        "alt_text": "Placeholder card standing in for a photograph of a trial tank: a drawn "
        "tank in side view on open ground, with the word PLACEHOLDER.",
        "caption": "One of the prototype vehicles tried out near Kazan. Placeholder for a "
        "photograph in a company file.",
        "credit_line": f"Krupp Historical Archive, Essen. {PLACEHOLDER_CREDIT}",
        "entities": ["kazan", "kama-tank-school", "krupp"],
    },
    {
        "slug": "kama-chassis-drawing",
        "title": "Chassis drawing for a trial vehicle",
        "motif": "drawing",
        "reference": "mbca-kama",
        "date": "1928/1929",
        "rights": Rights.UNDETERMINED,
        "alt_text": "Placeholder card standing in for a technical drawing: a drawn chassis "
        "outline with three wheels and dimension lines on squared paper.",
        "caption": "A chassis drawing from the Daimler-Benz files on the trial vehicles. "
        "Placeholder for a scan.",
        "credit_line": f"Mercedes-Benz Classic Archive, Stuttgart. {PLACEHOLDER_CREDIT}",
        "entities": ["daimler-benz", "kama-tank-school"],
    },
    {
        "slug": "kama-man-travel-file",
        "title": "Travel file for M.A.N. engineers sent to Kazan",
        "motif": "document",
        "reference": "man-kama",
        "date": "c. 1930",
        "rights": Rights.UNDETERMINED,
        "alt_text": "Placeholder card standing in for a typed document: a drawn sheet with grey "
        "bars for lines of text, a round stamp and a signature.",
        "caption": "Papers arranging the journey of company engineers to the tank school. "
        "Placeholder for a scan.",
        "credit_line": f"MAN corporate archive, Augsburg. {PLACEHOLDER_CREDIT}",
        "entities": ["man", "kazan", "kama-tank-school"],
    },
    {
        "slug": "podosinki-trial-report",
        "title": "Report on chemical trials at Podosinki",
        "motif": "document",
        "reference": "rgva-podosinki",
        "date": "1927",
        "rights": Rights.NOT_EVALUATED,
        "alt_text": "Placeholder card standing in for a typed report: a drawn sheet with grey "
        "bars for lines of text, a round stamp and a signature.",
        "caption": "A page from a Soviet report on the joint chemical trials near Moscow. "
        "Placeholder for a scan.",
        "credit_line": f"Russian State Military Archive (RGVA). {PLACEHOLDER_CREDIT}",
        "entities": ["podosinki", "yakov-fishman", "red-army"],
    },
    {
        "slug": "map-of-cooperation-sites",
        "title": "Sites of Soviet-German military cooperation, 1922–1933 (schematic map)",
        "motif": "map",
        "reference": None,
        "source_line": "Schematic map drawn for the demo; positions approximate",
        "creator": "demo-jane-doe",
        "date": "2024",
        "rights": Rights.CC_BY,
        "alt_text": "Placeholder card with a schematic map: dots for Berlin, Rapallo, Moscow, "
        "Lipetsk, Kazan and Samara, and dashed lines from Moscow to the other sites.",
        "caption": "Where the partnership took place: the flying school at Lipetsk, the tank "
        "school near Kazan, the works at Fili and the test sites near Moscow and in the Volga "
        "region. Schematic; positions are approximate.",
        "credit_line": "Drawn for the demo exhibit by Jane Doe (fictional). CC BY 4.0.",
        "entities": ["moscow", "fili", "podosinki", "lipetsk", "kazan", "samara", "rapallo"],
    },
    # Used only by the draft exhibit: visitors must never reach it.
    {
        "slug": "secret-protocol-filmed-copy",
        "title": "Filmed copy of the secret protocol of 23 August 1939",
        "motif": "microfilm",
        "reference": "nara-protocol",
        "date": "1939-08-23",
        "rights": Rights.NOT_EVALUATED,
        "alt_text": "Placeholder card standing in for a microfilm copy of a document: a drawn "
        "film strip with three frames of grey text bars.",
        "caption": "The secret additional protocol to the Molotov-Ribbentrop Pact survives among "
        "filmed German records. Placeholder for a frame of that film.",
        "credit_line": f"US National Archives (NARA), {FRS}. {PLACEHOLDER_CREDIT}",
        "entities": ["molotov-ribbentrop-pact", "joseph-stalin"],
    },
]

ESSAYS = [
    {
        "slug": "training-grounds",
        "title": "Training grounds",
        "subtitle": "The secret Soviet-German military partnership, 1922–1933",
        "abstract": "How the Reichswehr and the Red Army built flying, tank and gas schools on "
        "Soviet soil after Rapallo, why the arrangement ended in 1933, and what the surviving "
        "files in Moscow, Lipetsk, German company archives and Washington can tell us.",
        "body_file": "essay.md",
        "authors": ["demo-ivan-ivanov", "demo-erika-mustermann"],
        "status": Status.PUBLISHED,
    },
]


# Blocks, as plain dicts the loader turns into Block rows (and gallery items).


def text(heading, body):
    return {"kind": Block.Kind.TEXT, "heading": heading, "text": body}


def image(slug, heading="", body=""):
    return {"kind": Block.Kind.IMAGE, "heading": heading, "text": body, "image": slug}


def gallery(heading, items, body=""):
    """``items``: (image slug, caption here or "") pairs."""
    return {"kind": Block.Kind.GALLERY, "heading": heading, "text": body, "gallery": items}


def quotation(quote, attribution, source, reference, heading=""):
    return {
        "kind": Block.Kind.QUOTATION,
        "heading": heading,
        "quote": quote,
        "quote_attribution": attribution,
        "quote_source": source,
        "quote_reference": reference,
    }


def essay(slug, display=Block.EssayDisplay.LINK, heading="", body=""):
    return {
        "kind": Block.Kind.ESSAY,
        "heading": heading,
        "text": body,
        "essay": slug,
        "essay_display": display,
    }


def cards(heading, slugs, body=""):
    return {"kind": Block.Kind.ENTITIES, "heading": heading, "text": body, "entities": slugs}


PARAPHRASE = "Paraphrased for this demo, not a verbatim quotation; the reference is illustrative."

EXHIBITS = [
    {
        "slug": "secret-partners",
        "title": "Secret Partners",
        "subtitle": "Soviet-German military cooperation, 1922–1933, and what came after",
        "summary": "After Rapallo, the German army trained pilots and tank crews and tested "
        "poison gas on Soviet soil, in secret, until 1933. This exhibit follows the schools at "
        "Lipetsk and Kazan, the test sites and the factories, and the road to 1939 and 1941.",
        "introduction": (
            "Forbidden aircraft, tanks and gas by the Treaty of Versailles, the German army "
            "looked east. From 1922 to 1933 it ran a flying school at Lipetsk, a tank school "
            "near Kazan and chemical-weapons trials near Moscow and on the Volga, together "
            "with a Red Army eager for foreign technology.\n\n"
            "This exhibit follows that partnership site by site, through the files it left in "
            "Russian, German and American archives. It also asks what the partnership did and "
            "did not lead to: the pact of August 1939 and the invasion of June 1941 were made "
            "by different people, for different ends.\n\n"
            "*All images in this demo are labelled placeholders: no archival scan is "
            "reproduced. Quotations are our paraphrases.*"
        ),
        "credits": (
            "Curated by Erika Mustermann and Ivan Ivanov (fictional demo curators). Schematic "
            "map by Jane Doe (fictional).\n\n"
            "Demo content written for the exhibit platform. Archival references other than "
            "GALO, f. 2176, op. 1, d. 1 are illustrative and have not been checked against "
            "finding aids."
        ),
        "cover_image": "map-of-cooperation-sites",
        "curators": ["demo-erika-mustermann", "demo-ivan-ivanov"],
        "featured": True,
        "order": 0,
        "status": Status.PUBLISHED,
        "sections": [
            {
                "slug": "rapallo",
                "title": "Two outcasts: the road to Rapallo",
                "summary": "Why a defeated Germany and an isolated Soviet Russia looked to "
                "each other after the First World War.",
                "blocks": [
                    text(
                        "Outside the European order",
                        "In 1919 the Treaty of Versailles cut the German army to a small "
                        "professional force and forbade it military aircraft, tanks and "
                        "poison gas. Soviet Russia came out of revolution and civil war "
                        "isolated and short of industry.\n\n"
                        "Neither side trusted the other's politics. General Hans von Seeckt, "
                        "head of the German army command, opposed communism at home but saw "
                        "Russia as a counterweight to France and Poland. Lenin and Trotsky were "
                        "ready to let foreign firms in if they brought money and know-how. "
                        "Early messages passed through intermediaries, among them the former "
                        "Ottoman war minister Enver Pasha.\n\n"
                        "On 16 April 1922, at Rapallo near Genoa, the two governments restored "
                        "diplomatic relations. The treaty says nothing about armies, but it "
                        "opened the door to what followed.",
                    ),
                    image(
                        "map-of-cooperation-sites",
                        heading="Where it happened",
                    ),
                    quotation(
                        "Our friendship with Moscow is a matter of interest, not of sympathy: "
                        "neither of us gains from a strong Poland between us.",
                        "Hans von Seeckt, in our paraphrase",
                        f"Paraphrasing the argument of his memoranda on Russia policy, 1922. "
                        f"{PARAPHRASE}",
                        "nara-russia-policy",
                    ),
                    cards(
                        "People and events",
                        [
                            "hans-von-seeckt",
                            "enver-pasha",
                            "vladimir-lenin",
                            "leon-trotsky",
                            "treaty-of-rapallo",
                            "rapallo",
                            "reichswehr",
                            "red-army",
                        ],
                    ),
                ],
            },
            {
                "slug": "fili",
                "title": "Aircraft for the Red Army: Junkers at Fili",
                "summary": "A German aircraft firm in a Moscow car works: the first and most "
                "troubled of the joint projects.",
                "blocks": [
                    text(
                        "A concession near Moscow",
                        "Among the first fruits of the new relationship was a concession for "
                        "the aircraft maker Junkers in a former car works at Fili, on the "
                        "western edge of Moscow. Junkers was to build all-metal aircraft and "
                        "engines for the Soviet air force; the Reichswehr, which backed the "
                        "firm with secret funds, hoped for a production base out of sight of "
                        "Allied inspectors.\n\n"
                        "The plan worked for neither side. Production stayed below what had "
                        "been promised, costs rose, and each partner blamed the other. Within a "
                        "few years the concession was given up, though the works lived on as "
                        "a Soviet aircraft factory.",
                    ),
                    image("fili-junkers-works"),
                    quotation(
                        "The aircraft arrive late and cost more than agreed, and the firm asks "
                        "us for the money it was supposed to bring.",
                        "Soviet air force officials, in our paraphrase",
                        f"Paraphrasing complaints about the Fili concession, c. 1924. {PARAPHRASE}",
                        "rgva-fili",
                    ),
                    cards("Who and where", ["junkers", "fili", "moscow", "reichswehr"]),
                ],
            },
            {
                "slug": "junkers-scandal",
                "title": "Exposed: the Junkers scandal, December 1926",
                "summary": "How the secret became public on 3 December 1926, and what changed "
                "afterwards.",
                "blocks": [
                    text(
                        "The secret in the newspapers",
                        "On 3 December 1926 the British press reported that the German army "
                        "was working with the Soviet military, naming Junkers and shipments of "
                        "munitions. Within weeks the affair reached the Reichstag, where the "
                        "Social Democrats attacked the army's hidden budgets.\n\n"
                        "The scandal embarrassed the government and the Foreign Office, but it "
                        "did not end the cooperation. It pushed it further underground: cover "
                        "names, civilian clothes and more carefully hidden payments.",
                    ),
                    image("junkers-affair-press-cutting"),
                    quotation(
                        "What the newspapers describe was not arranged by this office, yet "
                        "this office will have to answer for it abroad.",
                        "A German Foreign Office official, in our paraphrase",
                        f"Paraphrasing notes on the press reports, December 1926. {PARAPHRASE}",
                        "nara-junkers-affair",
                    ),
                    cards("Related", ["junkers-scandal", "junkers", "reichswehr"]),
                ],
            },
            {
                "slug": "lipetsk",
                "title": "Lipetsk: a flying school in the Russian provinces",
                "summary": "About 500 km south-east of Moscow, German pilots trained in secret "
                "from 1924/25 until 1933.",
                "blocks": [
                    text(
                        "An open secret",
                        "The flying school at Lipetsk, about 500 kilometres south-east of "
                        "Moscow, took its first German pilots in 1924/25. It trained fighter "
                        "pilots and observers and tested aircraft that could not be flown in "
                        "Germany. Nearly 1,000 Germans passed through it before it closed in "
                        "1933; counts differ between sources.\n\n"
                        "The Germans came under false names and in civilian clothes. In the "
                        "town they were hard to miss; in Berlin they officially did not exist.",
                    ),
                    image(
                        "galo-german-pilots-as-tourists",
                        heading="Tourists with flying licences",
                    ),
                    gallery(
                        "The aerodrome",
                        [
                            ("lipetsk-aerodrome-hangars", ""),
                            ("lipetsk-aircraft-on-the-field", ""),
                        ],
                    ),
                    quotation(
                        "Our officers may look at the machines, but the guests keep the "
                        "results of their tests to themselves.",
                        "A Soviet inspecting officer, in our paraphrase",
                        f"Paraphrasing a report on the Lipetsk school, c. 1929. {PARAPHRASE}",
                        "rgva-lipetsk-report",
                    ),
                    essay(
                        "training-grounds",
                        heading="Read the essay",
                        body="The whole story of the partnership, from Rapallo to 1933.",
                    ),
                    cards(
                        "Related",
                        ["lipetsk", "lipetsk-flying-school", "reichswehr", "red-army"],
                    ),
                ],
            },
            {
                "slug": "kama",
                "title": "Kama and TEKO: tanks near Kazan",
                "summary": "About 800 km east of Moscow, German and Soviet officers and German "
                "company engineers tried out tanks that Germany was not allowed to have.",
                "blocks": [
                    text(
                        "A tank school on the Kama",
                        'The tank school "Kama" near Kazan, about 800 kilometres east of '
                        "Moscow, appears in Soviet files as TEKO. There German and Soviet "
                        "officers studied the use of armour, and engineers from Krupp, "
                        "Daimler-Benz and M.A.N. tested prototype vehicles built under secret "
                        "contracts.\n\n"
                        "Later fame has attached itself to the place: Heinz Guderian visited, "
                        "and Oswald Lutz and Ernst Volckheim shaped the German armoured "
                        "programme of the time, while Mikhail Tukhachevsky and Vladimir "
                        "Triandafillov were developing Soviet ideas of deep operations. How "
                        "much either army actually learned at Kama is still debated.",
                    ),
                    image("kama-trial-vehicle"),
                    gallery(
                        "From the company files",
                        [
                            ("kama-chassis-drawing", ""),
                            (
                                "kama-man-travel-file",
                                "Travel papers for M.A.N. engineers (placeholder).",
                            ),
                        ],
                    ),
                    quotation(
                        "The running gear failed again on the second day; the tracks must be "
                        "redesigned before the next season.",
                        "A Krupp engineer at Kama, in our paraphrase",
                        f"Paraphrasing a trial report, c. 1929–1930. {PARAPHRASE}",
                        "krupp-kama",
                    ),
                    cards(
                        "People, firms and places",
                        [
                            "kama-tank-school",
                            "kazan",
                            "krupp",
                            "daimler-benz",
                            "man",
                            "oswald-lutz",
                            "ernst-volckheim",
                            "heinz-guderian",
                            "mikhail-tukhachevsky",
                            "vladimir-triandafillov",
                        ],
                    ),
                ],
            },
            {
                "slug": "chemical-weapons",
                "title": "Gas: Podosinki and Tomka",
                "summary": "The least visible part of the partnership: chemical-weapons trials "
                "near Moscow and in the Volga region.",
                "blocks": [
                    text(
                        "Trials out of sight",
                        "Joint chemical-weapons trials began at Podosinki on the edge of "
                        'Moscow and later moved to a site called "Tomka", usually placed '
                        "near Samara on the Volga; accounts differ on where exactly it lay. On "
                        "the Soviet side the work was led by Yakov Fishman, head of the Red "
                        "Army's military-chemical service.\n\n"
                        "The surviving files are thin. Much of what is written about Tomka "
                        "rests on a handful of documents, and this section says less than "
                        "the others for that reason.",
                    ),
                    image("podosinki-trial-report"),
                    quotation(
                        "The range near the city is too small for the trials now planned; a "
                        "larger and more remote site is needed.",
                        "The Soviet military-chemical service, in our paraphrase",
                        f"Paraphrasing correspondence on the trials, c. 1927. {PARAPHRASE}",
                        "rgva-podosinki",
                    ),
                    cards(
                        "Related",
                        ["podosinki", "tomka", "samara", "yakov-fishman", "red-army"],
                    ),
                ],
            },
            {
                "slug": "afterlives",
                "title": "Endings and afterlives, 1933–1941",
                "summary": "The bases closed in 1933. Six years later came the pact; eight "
                "years later, the invasion.",
                "blocks": [
                    text(
                        "From partners to enemies",
                        "The bases closed in 1933, within months of Hitler becoming "
                        "chancellor. Germany now meant to rearm openly, and Moscow had lost "
                        "interest in hosting German officers.\n\n"
                        "Contacts with Germans later became a charge in the Soviet purges; "
                        "Tukhachevsky was shot in 1937. On 23 August 1939 Stalin's government "
                        "signed the Molotov-Ribbentrop Pact with Nazi Germany. On 22 June 1941 "
                        "Germany invaded the Soviet Union, and some of the officers who had "
                        "trained in Russia took part. The earlier partnership did not cause "
                        "either event, but it is part of how both are remembered.",
                    ),
                    essay("training-grounds", display=Block.EssayDisplay.EMBED),
                    cards(
                        "What came after",
                        [
                            "joseph-stalin",
                            "mikhail-tukhachevsky",
                            "molotov-ribbentrop-pact",
                            "operation-barbarossa",
                        ],
                    ),
                    text(
                        "About the sources in this exhibit",
                        "Every image here is a generated placeholder, labelled as such; no "
                        "archival scan is reproduced. Quotations are paraphrases written for "
                        "the demo. The GALO reference comes from the project design; the other "
                        "file numbers show the citation form and are illustrative.",
                    ),
                ],
            },
        ],
    },
    {
        "slug": "road-to-1939",
        "title": "The road to 1939 (in preparation)",
        "subtitle": "From secret partners to the pact",
        "summary": "Draft exhibit, not yet published: how the partnership of the 1920s looked "
        "from August 1939.",
        "introduction": "Work in progress. Visitors must not see this exhibit.",
        "credits": "",
        "cover_image": None,
        "curators": ["demo-erika-mustermann"],
        "featured": False,
        "order": 10,
        "status": Status.DRAFT,
        "sections": [
            {
                "slug": "partners-to-pact",
                "title": "From partners to pact",
                "summary": "Draft section.",
                "blocks": [
                    text(
                        "Draft",
                        "To be written: the secret protocol of 23 August 1939 and how it was "
                        "later found among filmed German records.",
                    ),
                    image("secret-protocol-filmed-copy"),
                    cards("Related", ["molotov-ribbentrop-pact", "joseph-stalin"]),
                ],
            },
        ],
    },
]
