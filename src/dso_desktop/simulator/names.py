"""Czech vocabulary for the generator: people, places, organisations, subjects, file names."""

from __future__ import annotations

FIRST_NAMES_M = (
    "Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav", "Zdeněk",
    "Václav", "Michal", "František", "Jiří", "Lukáš", "Ondřej", "Radek", "Vojtěch", "Karel",
)
FIRST_NAMES_F = (
    "Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena",
    "Petra", "Veronika", "Jaroslava", "Zdeňka", "Tereza", "Martina", "Michaela", "Ivana",
)
# (masculine, feminine) surname pairs.
SURNAMES = (
    ("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Novotný", "Novotná"),
    ("Dvořák", "Dvořáková"), ("Černý", "Černá"), ("Procházka", "Procházková"),
    ("Kučera", "Kučerová"), ("Veselý", "Veselá"), ("Horák", "Horáková"),
    ("Němec", "Němcová"), ("Marek", "Marková"), ("Pokorný", "Pokorná"),
    ("Pospíšil", "Pospíšilová"), ("Hájek", "Hájková"), ("Jelínek", "Jelínková"),
    ("Král", "Králová"), ("Růžička", "Růžičková"), ("Beneš", "Benešová"),
    ("Fiala", "Fialová"), ("Sedláček", "Sedláčková"), ("Doležal", "Doležalová"),
    ("Zeman", "Zemanová"), ("Kolář", "Kolářová"), ("Navrátil", "Navrátilová"),
    ("Čermák", "Čermáková"), ("Urban", "Urbanová"), ("Vaněk", "Vaňková"),
    ("Blažek", "Blažková"), ("Kříž", "Křížová"), ("Kovář", "Kovářová"),
)
# (town, ZIP, district)
TOWNS = (
    ("Praha", "110 00", "Hlavní město Praha"), ("Brno", "602 00", "Brno-město"),
    ("Ostrava", "702 00", "Ostrava-město"), ("Plzeň", "301 00", "Plzeň-město"),
    ("Liberec", "460 01", "Liberec"), ("Olomouc", "779 00", "Olomouc"),
    ("České Budějovice", "370 01", "České Budějovice"), ("Hradec Králové", "500 02",
                                                          "Hradec Králové"),
    ("Pardubice", "530 02", "Pardubice"), ("Zlín", "760 01", "Zlín"),
    ("Jihlava", "586 01", "Jihlava"), ("Kladno", "272 01", "Kladno"),
    ("Benešov", "256 01", "Benešov"), ("Tábor", "390 01", "Tábor"),
    ("Písek", "397 01", "Písek"), ("Kolín", "280 02", "Kolín"),
    ("Příbram", "261 01", "Příbram"), ("Třebíč", "674 01", "Třebíč"),
    ("Vlašim", "258 01", "Benešov"), ("Votice", "259 01", "Benešov"),
)
STREETS = (
    "Náměstí Míru", "Husova", "Masarykova", "Komenského", "Nádražní", "Školní", "Zahradní",
    "Palackého", "Jiráskova", "Havlíčkova", "Smetanova", "Tyršova", "Sokolská", "Lesní",
    "Polní", "Krátká", "Družstevní", "Nerudova", "Žižkova", "Dvořákova", "Květná", "Luční",
)
VILLAGES = (
    "Lhota", "Bukovany", "Dubová", "Hrušovany", "Kamenice", "Lipová", "Olešná", "Radošov",
    "Smrčná", "Třebešice", "Vranov", "Zálesí", "Bělčice", "Chotýšany", "Javorník",
)
COMPANY_STEMS = (
    "Stavby", "Elektro", "Agro", "Dopravní služby", "Tiskárna", "Lesní správa", "Vodárny",
    "Stavební huť", "Projekce", "Kovo", "Technické služby", "Zahradnictví", "Geodézie",
    "Účetní kancelář", "Úklidové služby", "Pekárna", "Truhlářství", "IT služby",
)
COMPANY_FORMS = ("s.r.o.", "a.s.", "spol. s r.o.", "v.o.s.", "z.s.", "o.p.s.")
# Offices that write to a municipality: (name template, box type, address town)
OVM_OFFICES = (
    ("Finanční úřad pro Středočeský kraj", "OVM", "Praha"),
    ("Krajský úřad Středočeského kraje", "OVM", "Praha"),
    ("Katastrální úřad pro Středočeský kraj", "OVM", "Benešov"),
    ("Česká správa sociálního zabezpečení", "OVM", "Praha"),
    ("Úřad práce České republiky", "OVM", "Praha"),
    ("Ministerstvo vnitra", "OVM", "Praha"),
    ("Ministerstvo pro místní rozvoj", "OVM", "Praha"),
    ("Státní fond podpory investic", "OVM", "Praha"),
    ("Krajská hygienická stanice Středočeského kraje", "OVM", "Praha"),
    ("Hasičský záchranný sbor Středočeského kraje", "OVM", "Kladno"),
    ("Městský úřad Benešov", "OVM", "Benešov"),
    ("Obecní úřad Bukovany", "OVM", "Benešov"),
    ("Exekutorský úřad Praha-západ", "OVM_EXEKUT", "Praha"),
    ("Notářská kancelář JUDr. Hana Kolářová", "OVM_NOTAR", "Benešov"),
)
PFO_KINDS = (
    ("PFO_ADVOK", "advokát", "Mgr."), ("PFO_DANPOR", "daňový poradce", "Ing."),
    ("PFO_AUDITOR", "auditor", "Ing."), ("PFO_ZNALEC", "soudní znalec", "Ing."),
    ("PFO_ARCH", "autorizovaný architekt", "Ing. arch."), ("PFO", "", ""),
    ("PFO_INSSPR", "insolvenční správce", "JUDr."),
)
# Subjects by sender kind; {n} number, {year} year, {village} municipality name.
SUBJECTS_FROM_OVM = (
    "Rozhodnutí o poskytnutí dotace č. {n}/{year}", "Výzva k doplnění podání",
    "Oznámení o zahájení řízení", "Platební výměr na daň z nemovitých věcí",
    "Žádost o součinnost – sdělení údajů z evidence obyvatel", "Usnesení o přerušení řízení",
    "Kontrolní protokol – hospodaření obce za rok {year}", "Pozvánka na jednání komise",
    "Vyrozumění o výsledku přezkumu hospodaření", "Metodický pokyn k volbám do zastupitelstva",
    "Sdělení k žádosti o stavební povolení", "Exekuční příkaz č. {n}/{year}",
    "Vyjádření k projektové dokumentaci – kanalizace {village}",
    "Souhlas s odnětím půdy ze zemědělského půdního fondu",
)
SUBJECTS_FROM_PO = (
    "Faktura č. {n} za služby", "Nabídka na veřejnou zakázku – oprava komunikace",
    "Objednávka č. {n}", "Předávací protokol – dokončení stavby",
    "Žádost o vyjádření k existenci sítí", "Reklamace – vodné a stočné",
    "Smlouva o dílo č. {n}/{year} – podpis", "Dodatek ke smlouvě o nájmu",
    "Oznámení o změně sídla společnosti", "Žádost o pronájem sálu kulturního domu",
)
SUBJECTS_FROM_FO = (
    "Žádost o vydání rybářského lístku", "Žádost o informace podle zákona č. 106/1999 Sb.",
    "Stížnost na hluk z provozovny", "Žádost o přidělení čísla popisného",
    "Přihláška k trvalému pobytu – doplnění", "Odvolání proti rozhodnutí",
    "Žádost o povolení kácení dřevin", "Žádost o prodloužení nájmu hrobového místa",
)
SUBJECTS_SENT = (
    "Odpověď na žádost o informace", "Rozhodnutí o povolení kácení dřevin",
    "Výzva k úhradě poplatku za odpady", "Sdělení obce k žádosti",
    "Usnesení zastupitelstva obce č. {n}/{year}", "Objednávka prací – oprava chodníku",
    "Vyjádření obce k územnímu řízení", "Potvrzení o přijetí žádosti",
    "Žádost o poskytnutí dotace z programu obnovy venkova", "Rozpočtové opatření č. {n}/{year}",
)
BODY_SENTENCES = (
    "Vážená paní, vážený pane, v příloze zasíláme požadované dokumenty.",
    "Obecní úřad Vám tímto sděluje, že Vaše žádost byla přijata a bude vyřízena ve lhůtě "
    "stanovené zákonem.",
    "Správní orgán rozhodl takto: žádosti se vyhovuje v plném rozsahu.",
    "Poučení: proti tomuto rozhodnutí lze podat odvolání do patnácti dnů ode dne jeho "
    "oznámení.",
    "Zastupitelstvo obce schvaluje rozpočtové opatření a pověřuje starostu podpisem smlouvy.",
    "Žádáme o doplnění chybějících údajů, zejména katastrálního území a čísla parcely.",
    "Kontrolou bylo zjištěno, že hospodaření obce je v souladu s rozpočtem.",
    "Fakturujeme Vám za provedené práce dle smlouvy o dílo, splatnost činí čtrnáct dní.",
    "Děkujeme za spolupráci a jsme s pozdravem.",
    "Oprava místní komunikace proběhne v měsíci říjnu, dopravní omezení bude vyznačeno.",
    "Žadatel doložil souhlas vlastníka pozemku a situační výkres.",
    "Příloha obsahuje přehled plateb, rozpis vodného a stočného a vyúčtování záloh.",
    "Veřejná vyhláška bude vyvěšena na úřední desce po dobu patnácti dnů.",
    "Ověřili jsme totožnost žadatele a údaje v základním registru obyvatel.",
)
FILE_STEMS = (
    "rozhodnuti", "vyzva", "priloha", "faktura", "smlouva", "protokol", "zadost", "sdeleni",
    "usneseni", "situace", "vykaz", "prehled", "oznameni", "objednavka", "stanovisko",
)
LEGAL_TITLES = (
    ("500", "2004", "71", "1", None),   # správní řád, lhůty
    ("128", "2000", "38", None, None),  # zákon o obcích
    ("106", "1999", "14", "5", "d"),    # svobodný přístup k informacím
    ("280", "2009", "46", None, None),  # daňový řád
    ("183", "2006", "94", "1", None),   # stavební zákon (starý)
)
