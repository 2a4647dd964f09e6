"""The demo's companies: forty fictional German firms and what their websites say about
them — name, legal form, address, commercial register, management, VAT id, size, trade.
Data only: `auftakt demo`'s leads work at them (demo_data.py), `auftakt run` serves their
home pages and imprints (demo_sites.py), and enrichment reads those as it reads any
company's. Fictional on purpose: the phone numbers lie in the blocks the Bundesnetzagentur
keeps free for films and books, and every VAT id fails the official check digit."""

from __future__ import annotations

from dataclasses import dataclass

from auftakt_common.content import CompanySize

__all__ = ["DEMO_COMPANIES", "DemoCompany"]

# Registergericht by the company's seat (Heidelberg's is Mannheim, Berlin's Charlottenburg)
_REGISTER_COURTS = {
    "Hamburg": "Amtsgericht Hamburg",
    "Berlin": "Amtsgericht Charlottenburg",
    "München": "Amtsgericht München",
    "Köln": "Amtsgericht Köln",
    "Frankfurt am Main": "Amtsgericht Frankfurt am Main",
    "Stuttgart": "Amtsgericht Stuttgart",
    "Düsseldorf": "Amtsgericht Düsseldorf",
    "Leipzig": "Amtsgericht Leipzig",
    "Hannover": "Amtsgericht Hannover",
    "Nürnberg": "Amtsgericht Nürnberg",
    "Bremen": "Amtsgericht Bremen",
    "Dresden": "Amtsgericht Dresden",
    "Münster": "Amtsgericht Münster",
    "Mainz": "Amtsgericht Mainz",
    "Bonn": "Amtsgericht Bonn",
    "Freiburg im Breisgau": "Amtsgericht Freiburg i. Br.",
    "Essen": "Amtsgericht Essen",
}


@dataclass(frozen=True, slots=True)
class DemoCompany:
    """A demo company as its website presents it."""

    name: str  # as it calls itself, without the legal form
    legal_form: str
    domain: str
    industry: str
    employees: int
    founded: int
    about: str  # the home page's description
    street: str
    postal_code: str
    city: str
    register_number: str  # HRB for companies, HRA for partnerships and sole traders
    management: tuple[str, ...]  # Geschäftsführung, Vorstand or Inhaber, by legal form
    vat_id: str
    phone: str | None = None  # only in the cities with a block of fictional numbers
    supervisory_chair: str | None = None  # AG and SE: the Aufsichtsrat's chair
    general_partner_register: str | None = None  # GmbH & Co. KG: its Verwaltungs-GmbH's HRB

    @property
    def legal_name(self) -> str:
        return f"{self.name} {self.legal_form}"

    @property
    def register_court(self) -> str:
        return _REGISTER_COURTS[self.city]

    @property
    def size(self) -> CompanySize:
        """The size band a web form offers for the head count."""
        bands: tuple[tuple[int, CompanySize], ...] = (
            (10, "1-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"),
        )  # fmt: skip
        return next((band for limit, band in bands if self.employees <= limit), "500+")

    @property
    def contact_weight(self) -> int:
        """How many of the demo's leads work here, relative to the others: a large company
        sends twice as many people to the website as a small one."""
        return 2 if self.employees <= 50 else 3 if self.employees <= 500 else 4


DEMO_COMPANIES: tuple[DemoCompany, ...] = (
    # Hamburg: fictional numbers 040 66969-xxx
    DemoCompany(
        "Elbwerk Logistik", "GmbH", "elbwerk-logistik.de", "Logistik & Transport", 420, 1987,
        "Kontraktlogistik, Lager und Spedition für Handel und Industrie – seit 1987 im Hafen.",
        "Am Sandtorkai 41", "20457", "Hamburg", "HRB 148213",
        ("Dr. Katrin Albers", "Jens Petersen"), "DE258813996", phone="+49 40 66969-410",
    ),
    DemoCompany(
        "Hanseatisches Versicherungskontor", "AG", "versicherungskontor-hamburg.de",
        "Versicherungen", 1250, 1921,
        "Gewerbliche Versicherungen für den Mittelstand, persönlich beraten seit 1921.",
        "Spaldingstraße 64", "20097", "Hamburg", "HRB 20417",
        ("Dr. Henrike Brandt", "Matthias Vogt"), "DE798797306", phone="+49 40 66969-120",
        supervisory_chair="Prof. Dr. Ulrich Sander",
    ),
    DemoCompany(
        "Alsterblick Immobilien", "GmbH & Co. KG", "alsterblick-immobilien.de", "Immobilien",
        85, 2004, "Gewerbeimmobilien in Hamburg: Vermietung, Verwaltung und Projektentwicklung.",
        "Ballindamm 17", "20095", "Hamburg", "HRA 118552", ("Christian Lorenz",),
        "DE241707533", phone="+49 40 66969-175", general_partner_register="HRB 98712",
    ),
    DemoCompany(
        "Fleetkontor Medien", "GmbH", "fleetkontor.de", "Medien & Marketing", 64, 2011,
        "Kampagnen, Content und Bewegtbild für Marken aus dem Norden.",
        "Hammerbrookstraße 90", "20097", "Hamburg", "HRB 119384",
        ("Svenja Hansen", "Oliver Brandt"), "DE555681511", phone="+49 40 66969-640",
    ),
    DemoCompany(
        "Feinkost Nordhafen", "e.K.", "feinkost-nordhafen.de", "Lebensmittel & Getränke",
        12, 1996, "Feinkost, Präsentkörbe und Firmengeschenke aus Ottensen.",
        "Große Elbstraße 212", "22767", "Hamburg", "HRA 102847", ("Birgit Jansen",),
        "DE944729407", phone="+49 40 66969-212",
    ),
    DemoCompany(
        "Quaivolt Energiesysteme", "GmbH", "quaivolt.de", "Erneuerbare Energien", 180, 2013,
        "Batteriespeicher und Ladeparks für Gewerbe und Kommunen.",
        "Bahrenfelder Chaussee 49", "22761", "Hamburg", "HRB 127733",
        ("Dr. Lars Petersen", "Annika Roth"), "DE676169873", phone="+49 40 66969-490",
    ),
    DemoCompany(
        "Hafenkante Hotels", "GmbH", "hafenkante-hotels.de", "Hotellerie & Gastronomie",
        380, 1999, "Vier Hotels mit Tagungsräumen am Hamburger Hafen.",
        "Am Kaiserkai 69", "20457", "Hamburg", "HRB 71542", ("Annika Hansen",),
        "DE789768460", phone="+49 40 66969-690",
    ),
    # Berlin: fictional numbers 030 23125-xxx
    DemoCompany(
        "Spreeplan Software", "GmbH", "spreeplan.de", "IT & Software", 240, 2009,
        "Einsatzplanung in der Cloud für Pflege, Handel und Logistik.",
        "Schlesische Straße 26", "10997", "Berlin", "HRB 121984 B",
        ("Tim Schubert", "Leonie Graf"), "DE980932085", phone="+49 30 23125-260",
    ),
    DemoCompany(
        "Kiezkantine Catering", "GmbH", "kiezkantine.de", "Hotellerie & Gastronomie", 95, 2012,
        "Betriebsverpflegung und Catering für Berliner Unternehmen.",
        "Oranienstraße 185", "10999", "Berlin", "HRB 140213 B", ("Miriam Keller",),
        "DE772731775", phone="+49 30 23125-185",
    ),
    DemoCompany(
        "Torwerk Personalberatung", "GmbH", "torwerk-personal.de",
        "Personaldienstleistungen", 38, 2015,
        "Personalberatung für Fach- und Führungskräfte in Technik und Vertrieb.",
        "Torstraße 140", "10119", "Berlin", "HRB 167420 B", ("Sabine Engel", "Moritz Kaiser"),
        "DE586488761", phone="+49 30 23125-140",
    ),
    DemoCompany(
        "Havelstrom Medizintechnik", "AG", "havelstrom-medtech.de", "Medizintechnik", 610,
        1998, "Infusions- und Monitoringsysteme für Kliniken in ganz Europa.",
        "Alt-Moabit 96", "10559", "Berlin", "HRB 70415 B",
        ("Dr. Julia Winter", "Stefan Krüger"), "DE444002973", phone="+49 30 23125-960",
        supervisory_chair="Dr. Hans-Peter Kühn",
    ),
    DemoCompany(
        "Brauer Steuerberatung", "GmbH", "brauer-steuerberatung.de", "Steuerberatung", 22,
        1991, "Steuerberatung und Lohnbuchhaltung für Mittelstand und Freiberufler.",
        "Kurfürstendamm 52", "10707", "Berlin", "HRB 98127 B", ("Dirk Brauer",),
        "DE853477877", phone="+49 30 23125-052",
    ),
    DemoCompany(
        "Ostkreuz Digital", "UG (haftungsbeschränkt)", "ostkreuz-digital.de",
        "Medien & Marketing", 9, 2021, "Websites und Onlineshops für kleine Unternehmen.",
        "Am Treptower Park 75", "12435", "Berlin", "HRB 231774 B", ("Jonas Pohl",),
        "DE904571784", phone="+49 30 23125-075",
    ),
    # München: fictional numbers 089 99998-xxx
    DemoCompany(
        "Isarwerk Maschinenbau", "GmbH", "isarwerk-maschinenbau.de", "Maschinenbau", 880, 1952,
        "Sondermaschinen und Automatisierung für die Lebensmittelindustrie.",
        "Landsberger Straße 302", "80687", "München", "HRB 41275",
        ("Dipl.-Ing. Florian Huber", "Andrea Maier"), "DE826714759", phone="+49 89 99998-302",
    ),
    DemoCompany(
        "Leopoldpartner Unternehmensberatung", "GmbH", "leopoldpartner.de",
        "Unternehmensberatung", 140, 2001,
        "Strategie- und Organisationsberatung für Familienunternehmen.",
        "Leopoldstraße 244", "80807", "München", "HRB 138520",
        ("Dr. Benedikt Lang", "Franziska Berger"), "DE462701075", phone="+49 89 99998-244",
    ),
    DemoCompany(
        "Brauerei Ostermeier", "GmbH & Co. KG", "brauerei-ostermeier.de",
        "Lebensmittel & Getränke", 210, 1874, "Bier aus Giesing, gebraut seit 1874.",
        "Rosenheimer Straße 145", "81671", "München", "HRA 87412",
        ("Maximilian Ostermeier",), "DE293319081", phone="+49 89 99998-145",
        general_partner_register="HRB 55210",
    ),
    DemoCompany(
        "Alpenblick Reisen", "GmbH", "alpenblick-reisen.de", "Tourismus", 55, 1979,
        "Gruppen- und Incentivereisen in die Alpen.",
        "Lindwurmstraße 88", "80337", "München", "HRB 70231", ("Kerstin Wagner",),
        "DE620599729", phone="+49 89 99998-088",
    ),
    DemoCompany(
        "Südquant Systems", "SE", "suedquant.de", "IT & Software", 3200, 1994,
        "Rechenzentren, Cloud und IT-Sicherheit für Banken und Versicherer.",
        "Balanstraße 73", "81541", "München", "HRB 229874",
        ("Dr. Michael Seidel", "Claudia Hoffmann", "Patrick Fuchs"), "DE479298412",
        phone="+49 89 99998-730", supervisory_chair="Prof. Dr. Ingrid Baumann",
    ),
    DemoCompany(
        "Autohaus Kraus", "e.K.", "autohaus-kraus-muenchen.de", "Automobilhandel", 48, 1968,
        "Neu- und Gebrauchtwagen, Werkstatt und Flottenservice im Münchner Westen.",
        "Arnulfstraße 197", "80634", "München", "HRA 65120", ("Martin Kraus",),
        "DE329486626", phone="+49 89 99998-197",
    ),
    # Köln: fictional numbers 0221 4710-xxx
    DemoCompany(
        "Domfunk Medien", "GmbH", "domfunk-medien.de", "Medien & Marketing", 130, 1999,
        "Radio- und Podcastproduktion, Werbespots und Audio-Branding.",
        "Im Mediapark 6", "50670", "Köln", "HRB 31458",
        ("Laura Schmitz", "Sebastian Becker"), "DE460161058", phone="+49 221 4710-606",
    ),
    DemoCompany(
        "Rheinfeder Bau", "GmbH & Co. KG", "rheinfeder-bau.de", "Bauwesen", 360, 1961,
        "Hoch- und Industriebau im Rheinland, schlüsselfertig.",
        "Deutz-Mülheimer Straße 183", "51063", "Köln", "HRA 22871",
        ("Andreas Schneider", "Petra Richter"), "DE108754755", phone="+49 221 4710-183",
        general_partner_register="HRB 40216",
    ),
    DemoCompany(
        "Veedel Versicherungsmakler", "GmbH", "veedel-makler.de", "Versicherungen", 28, 2006,
        "Unabhängige Versicherungsmakler für Gewerbe und Handwerk.",
        "Aachener Straße 321", "50931", "Köln", "HRB 59872", ("Frank Weber",),
        "DE879922982", phone="+49 221 4710-321",
    ),
    DemoCompany(
        "Kranhaus Pharma", "AG", "kranhaus-pharma.de", "Pharma", 1450, 1983,
        "Generika und Auftragsfertigung für Arzneimittel.",
        "Schanzenstraße 36", "51063", "Köln", "HRB 28731",
        ("Dr. Christina Voigt", "Dr. Alexander Herrmann"), "DE795793184",
        phone="+49 221 4710-036", supervisory_chair="Dr. Gerhard Simon",
    ),
    DemoCompany(
        "Ringstadt Druck", "GmbH", "ringstadt-druck.de", "Druck & Medien", 70, 1958,
        "Offset- und Digitaldruck, Verpackungen und Mailings.",
        "Hohenzollernring 79", "50672", "Köln", "HRB 10473", ("Jürgen Busch",),
        "DE132080730", phone="+49 221 4710-079",
    ),
    # Frankfurt am Main: fictional numbers 069 90009-xxx
    DemoCompany(
        "Mainbrücke Finanzberatung", "GmbH", "mainbruecke-finanz.de", "Finanzdienstleistungen",
        190, 2003, "Finanzierung und Vermögensberatung für mittelständische Unternehmen.",
        "Mainzer Landstraße 50", "60325", "Frankfurt am Main", "HRB 58712",
        ("Dr. Stefanie Neumann", "Tobias Krause"), "DE128382225", phone="+49 69 90009-500",
    ),
    DemoCompany(
        "Ostend Logistik", "GmbH", "ostend-logistik.de", "Logistik & Transport", 310, 1990,
        "Kurier-, Express- und Stadtlogistik im Rhein-Main-Gebiet.",
        "Hanauer Landstraße 291", "60314", "Frankfurt am Main", "HRB 31872",
        ("Markus Zimmermann",), "DE568616429", phone="+49 69 90009-291",
    ),
    DemoCompany(
        "Taunusblick Immobilien", "GmbH", "taunusblick-immobilien.de", "Immobilien", 45, 2008,
        "Büroflächen vermieten und verwalten zwischen Taunus und Main.",
        "Eschersheimer Landstraße 14", "60322", "Frankfurt am Main", "HRB 84213",
        ("Nicole Lehmann",), "DE347764724", phone="+49 69 90009-014",
    ),
    DemoCompany(
        "Agora Messebau", "GmbH", "agora-messebau.de", "Messebau", 160, 1986,
        "Messestände, Showrooms und Markenräume – geplant, gebaut, betreut.",
        "Theodor-Heuss-Allee 80", "60486", "Frankfurt am Main", "HRB 25197",
        ("Philipp Wolf", "Melanie Schröder"), "DE977188417", phone="+49 69 90009-080",
    ),
    # elsewhere: no fictional number block, so the imprint gives its e-mail address
    DemoCompany(
        "Neckarpuls Elektrotechnik", "GmbH", "neckarpuls.de", "Elektrotechnik", 520, 1972,
        "Schaltanlagen und Gebäudetechnik für Industrie und Rechenzentren.",
        "Heilbronner Straße 150", "70191", "Stuttgart", "HRB 12874",
        ("Daniel Vogel", "Sandra Beck"), "DE401756829",
    ),
    DemoCompany(
        "Kaiwerk Werbeagentur", "GmbH", "kaiwerk-agentur.de", "Medien & Marketing", 75, 2010,
        "Werbung, Design und Social Media am Düsseldorfer Medienhafen.",
        "Kaistraße 16", "40221", "Düsseldorf", "HRB 61587", ("Lisa Hartmann",), "DE625898311",
    ),
    DemoCompany(
        "Auenland Software", "GmbH", "auenland-software.de", "IT & Software", 115, 2007,
        "Software für Stadtwerke: Abrechnung, Kundenportal, Zählerdaten.",
        "Karl-Liebknecht-Straße 143", "04275", "Leipzig", "HRB 23561",
        ("Felix Günther", "Johanna Ludwig"), "DE993949488",
    ),
    DemoCompany(
        "Leinetal Versorgung", "AG", "leinetal-versorgung.de", "Energieversorgung", 940, 1905,
        "Strom, Gas, Wärme und Wasser für die Region Hannover.",
        "Ihmeplatz 2", "30449", "Hannover", "HRB 60218",
        ("Dr. Thomas Hahn", "Katharina Meyer"), "DE241621057",
        supervisory_chair="Jörg Friedrich",
    ),
    DemoCompany(
        "Pegnitz Spielwaren", "GmbH", "pegnitz-spielwaren.de", "Handel", 230, 1949,
        "Holzspielzeug und Brettspiele aus Franken, im Handel in ganz Europa.",
        "Fürther Straße 212", "90429", "Nürnberg", "HRB 3817",
        ("Christian Roth", "Sarah Winkler"), "DE285491456",
    ),
    DemoCompany(
        "Weserkai Kaffeerösterei", "GmbH & Co. KG", "weserkai-kaffee.de",
        "Lebensmittel & Getränke", 140, 1932, "Kaffee aus der Überseestadt, geröstet seit 1932.",
        "Am Speicher XI 4", "28217", "Bremen", "HRA 24870", ("Hannah Petersen",),
        "DE541064602", general_partner_register="HRB 31560",
    ),
    DemoCompany(
        "Elbflorenz Optik", "GmbH", "elbflorenz-optik.de", "Optik & Feinmechanik", 290, 1991,
        "Präzisionsoptik für Medizin, Messtechnik und Raumfahrt.",
        "Königsbrücker Straße 96", "01099", "Dresden", "HRB 9821", ("Dr. Matthias Seidel",),
        "DE230411893",
    ),
    DemoCompany(
        "Aasee Architekten", "GmbH", "aasee-architekten.de", "Architektur", 32, 1997,
        "Schulen, Büros und Wohnungsbau in Westfalen.",
        "Hafenweg 26", "48155", "Münster", "HRB 5219", ("Sophie Schulte", "Jan Böhm"),
        "DE679906594",
    ),
    DemoCompany(
        "Weinkontor Rheinhessen", "GmbH", "weinkontor-rheinhessen.de",
        "Lebensmittel & Getränke", 25, 2002, "Weine von dreißig Winzern aus Rheinhessen.",
        "Rheinallee 3", "55118", "Mainz", "HRB 41872", ("Charlotte Sommer",), "DE861584642",
    ),
    DemoCompany(
        "Siebengebirge Consulting", "GmbH", "siebengebirge-consulting.de",
        "Unternehmensberatung", 60, 2014, "Beratung für Verwaltung und öffentliche Auftraggeber.",
        "Friedrich-Ebert-Allee 38", "53113", "Bonn", "HRB 21654", ("Niklas Franke",),
        "DE160454142",
    ),
    DemoCompany(
        "Schauinsland Solar", "GmbH", "schauinsland-solar.de", "Erneuerbare Energien", 150,
        2008, "Photovoltaik für Gewerbedächer und Freiflächen in Südbaden.",
        "Kaiser-Joseph-Straße 240", "79098", "Freiburg im Breisgau", "HRB 713284",
        ("Lena Kuhn", "Tim Scholz"), "DE690853808",
    ),
    DemoCompany(
        "Zollverein Ingenieure", "GmbH", "zollverein-ingenieure.de", "Ingenieurbüro", 210, 1985,
        "Tragwerksplanung und Bauüberwachung für Industrie und Infrastruktur.",
        "Gelsenkirchener Straße 181", "45309", "Essen", "HRB 18562", ("Dirk Haas",),
        "DE391102850",
    ),
)  # fmt: skip
