<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="cs_CZ">
<context>
    <name>AccountEditDialog</name>
    <message>
        <source>Edit data box – %1</source>
        <translation>Upravit datovou schránku – %1</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>Uživatelské jméno</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>Prostředí</translation>
    </message>
    <message>
        <source>Production</source>
        <translation>Produkční</translation>
    </message>
    <message>
        <source>Test environment</source>
        <translation>Testovací prostředí</translation>
    </message>
    <message>
        <source>Certificate file</source>
        <translation>Soubor certifikátu</translation>
    </message>
    <message>
        <source>Private key file</source>
        <translation>Soubor soukromého klíče</translation>
    </message>
    <message>
        <source>Passphrase of the certificate key</source>
        <translation>Heslo ke klíči certifikátu</translation>
    </message>
    <message>
        <source>(unchanged)</source>
        <translation>(beze změny)</translation>
    </message>
    <message>
        <source>Download received messages (they become accepted)</source>
        <translation>Stahovat přijaté zprávy (stanou se doručenými)</translation>
    </message>
    <message>
        <source>Do not accept: download only sent messages</source>
        <translation>Nedoručovat: stahovat jen odeslané zprávy</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Heslo</translation>
    </message>
    <message>
        <source>Save the password in the system keyring</source>
        <translation>Uložit heslo do úložiště hesel systému</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Výsledek</translation>
    </message>
    <message>
        <source>Login method:</source>
        <translation>Způsob přihlášení:</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>Uživatelské jméno:</translation>
    </message>
    <message>
        <source>Environment:</source>
        <translation>Prostředí:</translation>
    </message>
    <message>
        <source>Certificate (PEM or PKCS#12):</source>
        <translation>Certifikát (PEM nebo PKCS#12):</translation>
    </message>
    <message>
        <source>Choose the certificate</source>
        <translation>Vyberte certifikát</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.p12 *.pfx);;All (*)</source>
        <translation>Certifikáty (*.pem *.crt *.p12 *.pfx);;Vše (*)</translation>
    </message>
    <message>
        <source>Private key (PEM, if separate):</source>
        <translation>Soukromý klíč (PEM, je-li zvlášť):</translation>
    </message>
    <message>
        <source>Choose the private key</source>
        <translation>Vyberte soukromý klíč</translation>
    </message>
    <message>
        <source>Keys (*.pem *.key);;All (*)</source>
        <translation>Klíče (*.pem *.key);;Vše (*)</translation>
    </message>
    <message>
        <source>Key passphrase:</source>
        <translation>Heslo ke klíči:</translation>
    </message>
    <message>
        <source>Saved password:</source>
        <translation>Uložené heslo:</translation>
    </message>
    <message>
        <source>Received messages:</source>
        <translation>Přijaté zprávy:</translation>
    </message>
    <message>
        <source>Changing this makes the next synchronization ask again whether downloading received messages (which accepts them, § 17(3)) is wanted.</source>
        <translation>Po změně se další synchronizace znovu zeptá, zda stahovat přijaté zprávy (tím se doručí, § 17 odst. 3).</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Ukládá se…</translation>
    </message>
</context>
<context>
    <name>AccountTree</name>
    <message>
        <source>Data boxes</source>
        <translation>Datové schránky</translation>
    </message>
    <message>
        <source>Last 90 days</source>
        <translation>Posledních 90 dní</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Odeslané</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Přijaté</translation>
    </message>
    <message>
        <source>Imported messages</source>
        <translation>Importované zprávy</translation>
    </message>
    <message>
        <source>%1 messages, %2 unread</source>
        <translation>zpráv: %1, nepřečtených: %2</translation>
    </message>
</context>
<context>
    <name>AccountWizard</name>
    <message>
        <source>Add a data box</source>
        <translation>Přidat datovou schránku</translation>
    </message>
    <message>
        <source>Logged in: %1 (%2)</source>
        <translation>Přihlášeno: %1 (%2)</translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>Přihlašuji…</translation>
    </message>
    <message>
        <source>Security code</source>
        <translation>Bezpečnostní kód</translation>
    </message>
    <message>
        <source>Enter the security code you received by SMS or see in the authenticator:</source>
        <translation>Zadejte bezpečnostní kód, který vám přišel SMS, nebo kód z autentizační aplikace:</translation>
    </message>
</context>
<context>
    <name>BackupDialog</name>
    <message>
        <source>Transfer to another computer</source>
        <translation>Přenést na jiný počítač</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>Zálohovat nyní</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Soubor zálohy</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vybrat…</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Heslo zálohy</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>Heslo zálohy znovu</translation>
    </message>
    <message>
        <source>Backup file:</source>
        <translation>Soubor zálohy:</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>Heslo zálohy:</translation>
    </message>
    <message>
        <source>Passphrase again:</source>
        <translation>Heslo zálohy znovu:</translation>
    </message>
    <message>
        <source>The backup holds the whole archive, the settings and the accounts together with their saved passwords, encrypted under the passphrase. On the new computer choose &quot;Restore from a backup&quot; at the first start and enter the same passphrase; no password needs to be typed again. Keep the passphrase apart from the file.</source>
        <translation>Záloha obsahuje celý archiv, nastavení a účty i s uloženými hesly, zašifrované heslem zálohy. Na novém počítači při prvním spuštění zvolte „Obnovit ze zálohy“ a zadejte stejné heslo zálohy; žádné heslo k datové schránce už nebude třeba zadávat znovu. Heslo zálohy uchovávejte odděleně od souboru.</translation>
    </message>
    <message>
        <source>Without a passphrase the backup is not encrypted (it is still protected against changes); the saved passwords go only into a transfer backup.</source>
        <translation>Bez hesla záloha není zašifrovaná (proti změnám je chráněna i tak); uložená hesla obsahuje jen záloha pro přenos na jiný počítač.</translation>
    </message>
    <message>
        <source>Choose the backup file.</source>
        <translation>Vyberte soubor zálohy.</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>Zadaná hesla se liší.</translation>
    </message>
    <message>
        <source>The passphrase must have at least {n} characters.</source>
        <translation>Heslo zálohy musí mít nejméně {n} znaků.</translation>
    </message>
    <message>
        <source>The backup is written and checked: {path} ({n} messages).</source>
        <translation>Záloha je zapsaná a zkontrolovaná: {path} (zpráv: {n}).</translation>
    </message>
</context>
<context>
    <name>BackupUi</name>
    <message>
        <source>Working… this can take a while for a large archive.</source>
        <translation>Pracuji… u velkého archivu to může chvíli trvat.</translation>
    </message>
</context>
<context>
    <name>ComposeDialog</name>
    <message>
        <source>New data message</source>
        <translation>Nová datová zpráva</translation>
    </message>
    <message>
        <source>Sender data box</source>
        <translation>Datová schránka odesílatele</translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation>Adresáti</translation>
    </message>
    <message>
        <source>Remove recipient</source>
        <translation>Odebrat adresáta</translation>
    </message>
    <message>
        <source>Name, IČO, address or data-box ID</source>
        <translation>Název, IČO, adresa nebo ID datové schránky</translation>
    </message>
    <message>
        <source>Search for a recipient</source>
        <translation>Hledat adresáta</translation>
    </message>
    <message>
        <source>Search by</source>
        <translation>Hledat podle</translation>
    </message>
    <message>
        <source>IČO</source>
        <translation>IČO</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresa</translation>
    </message>
    <message>
        <source>Data-box ID</source>
        <translation>ID datové schránky</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Najít</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Výsledky hledání</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Název</translation>
    </message>
    <message>
        <source>Data box</source>
        <translation>Datová schránka</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Can receive</source>
        <translation>Může přijímat</translation>
    </message>
    <message>
        <source>&amp;Add as recipient</source>
        <translation>Přid&amp;at jako adresáta</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Předmět</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Přílohy</translation>
    </message>
    <message>
        <source>Add &amp;files…</source>
        <translation>Přidat &amp;soubory…</translation>
    </message>
    <message>
        <source>Remove file</source>
        <translation>Odebrat soubor</translation>
    </message>
    <message>
        <source>Problems with attachments</source>
        <translation>Problémy s přílohami</translation>
    </message>
    <message>
        <source>Personal delivery (do vlastních rukou)</source>
        <translation>Do vlastních rukou</translation>
    </message>
    <message>
        <source>Exclude acceptance by fiction</source>
        <translation>Zakázat doručení fikcí</translation>
    </message>
    <message>
        <source>Identify me as the sender (name of the user)</source>
        <translation>Uvést mě jako odesílatele (jméno uživatele)</translation>
    </message>
    <message>
        <source>Message type</source>
        <translation>Druh zprávy</translation>
    </message>
    <message>
        <source>Data message (free of charge)</source>
        <translation>Datová zpráva (zdarma)</translation>
    </message>
    <message>
        <source>Commercial message (PDZ)</source>
        <translation>Poštovní datová zpráva (PDZ)</translation>
    </message>
    <message>
        <source>PDZ with a prepaid reply</source>
        <translation>PDZ s předplacenou odpovědí</translation>
    </message>
    <message>
        <source>Reply to a PDZ with a prepaid reply</source>
        <translation>Odpověď na PDZ s předplacenou odpovědí</translation>
    </message>
    <message>
        <source>To hands</source>
        <translation>K rukám</translation>
    </message>
    <message>
        <source>Our reference number</source>
        <translation>Naše číslo jednací</translation>
    </message>
    <message>
        <source>Our file mark</source>
        <translation>Naše spisová značka</translation>
    </message>
    <message>
        <source>Law number</source>
        <translation>Číslo zákona</translation>
    </message>
    <message>
        <source>Law year</source>
        <translation>Rok zákona</translation>
    </message>
    <message>
        <source>Section</source>
        <translation>Paragraf</translation>
    </message>
    <message>
        <source>Paragraph</source>
        <translation>Odstavec</translation>
    </message>
    <message>
        <source>Point</source>
        <translation>Písmeno</translation>
    </message>
    <message>
        <source>Sending progress</source>
        <translation>Průběh odesílání</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>&amp;Odeslat</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Zavřít</translation>
    </message>
    <message>
        <source>From:</source>
        <translation>Od:</translation>
    </message>
    <message>
        <source>To:</source>
        <translation>Komu:</translation>
    </message>
    <message>
        <source>Find recipient:</source>
        <translation>Najít adresáta:</translation>
    </message>
    <message>
        <source>Subject:</source>
        <translation>Předmět:</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>Přílohy:</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Zpráva</translation>
    </message>
    <message>
        <source>Message type:</source>
        <translation>Druh zprávy:</translation>
    </message>
    <message>
        <source>To hands:</source>
        <translation>K rukám:</translation>
    </message>
    <message>
        <source>Our reference number:</source>
        <translation>Naše č. j.:</translation>
    </message>
    <message>
        <source>Our file mark:</source>
        <translation>Naše spisová značka:</translation>
    </message>
    <message>
        <source>Legal title (law / year / section / paragraph / point)</source>
        <translation>Zmocnění (zákon / rok / § / odst. / písm.)</translation>
    </message>
    <message>
        <source>Envelope options</source>
        <translation>Údaje obálky</translation>
    </message>
    <message>
        <source>Searching ISDS…</source>
        <translation>Hledám v ISDS…</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ano</translation>
    </message>
    <message>
        <source>no</source>
        <translation>ne</translation>
    </message>
    <message>
        <source>Found: %1</source>
        <translation>Nalezeno: %1</translation>
    </message>
    <message>
        <source>This data box cannot receive data messages.</source>
        <translation>Tato datová schránka nemůže přijímat datové zprávy.</translation>
    </message>
    <message>
        <source>Add attachments</source>
        <translation>Přidat přílohy</translation>
    </message>
    <message>
        <source>Total size: %1</source>
        <translation>Celková velikost: %1</translation>
    </message>
    <message>
        <source>will be sent as a big message (velkoobjemová zpráva)</source>
        <translation>odešle se jako velkoobjemová datová zpráva</translation>
    </message>
    <message>
        <source>Forward data message</source>
        <translation>Přeposlat datovou zprávu</translation>
    </message>
    <message>
        <source>Reply to data message</source>
        <translation>Odpovědět na datovou zprávu</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Odesílám…</translation>
    </message>
    <message>
        <source>Sent to %1 as message %2</source>
        <translation>Odesláno adresátovi %1 jako zpráva %2</translation>
    </message>
    <message>
        <source>Not sent to %1: %2</source>
        <translation>Neodesláno adresátovi %1: %2</translation>
    </message>
    <message>
        <source>Uploading attachments of a big message…</source>
        <translation>Nahrávám přílohy velkoobjemové zprávy…</translation>
    </message>
    <message>
        <source>Name, address or IČO</source>
        <translation>Název, adresa nebo IČO</translation>
    </message>
    <message>
        <source>Recipient&apos;s reference number</source>
        <translation>Číslo jednací adresáta</translation>
    </message>
    <message>
        <source>Recipient&apos;s file mark</source>
        <translation>Spisová značka adresáta</translation>
    </message>
    <message>
        <source>Recipient&apos;s reference number:</source>
        <translation>Číslo jednací adresáta:</translation>
    </message>
    <message>
        <source>Recipient&apos;s file mark:</source>
        <translation>Spisová značka adresáta:</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Nenalezeno</translation>
    </message>
</context>
<context>
    <name>DatovkaDialog</name>
    <message>
        <source>Move over from Datovka</source>
        <translation>Převést data z Datovky</translation>
    </message>
    <message>
        <source>Datovka folder</source>
        <translation>Složka Datovky</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vybrat…</translation>
    </message>
    <message>
        <source>Datovka keeps its data in the folder .dsgui in your home folder (on Windows in AppData\Roaming\.dsgui). Its data boxes are added here without passwords; every signed message is checked as on import.</source>
        <translation>Datovka ukládá data do složky .dsgui ve vaší domovské složce (ve Windows v AppData\Roaming\.dsgui). Její datové schránky se sem přidají bez hesel; každá podepsaná zpráva se ověří stejně jako při importu.</translation>
    </message>
    <message>
        <source>Datovka folder:</source>
        <translation>Složka Datovky:</translation>
    </message>
    <message>
        <source>Found {f}: {i} imported, {d} delivery infos, {u} already in the archive, {c} conflicting copies, {r} refused.</source>
        <translation>Nalezeno {f}: importováno {i}, doručenek {d}, již v archivu {u}, kopií v rozporu {c}, odmítnuto {r}.</translation>
    </message>
    <message>
        <source>Could not be read (damaged or not Datovka&apos;s): {file}</source>
        <translation>Nelze přečíst (poškozený soubor, nebo ne z Datovky): {file}</translation>
    </message>
</context>
<context>
    <name>DeliveryPage</name>
    <message>
        <source>Received messages and delivery by login</source>
        <translation>Přijaté zprávy a doručení přihlášením</translation>
    </message>
    <message>
        <source>By law, a received data message is &lt;b&gt;accepted&lt;/b&gt; (doručena) when a person authorised to read it logs in to the data box. Downloading the list of received messages in this application counts as such a login: every message that was delivered (dodána) becomes accepted, and legal deadlines start to run.&lt;br&gt;&lt;br&gt;If you do not want this, choose not to accept: the application then downloads only sent messages, and received ones stay unaccepted (they are still accepted by fiction after 10 days unless fiction is excluded).</source>
        <translation>Podle zákona je přijatá datová zpráva &lt;b&gt;doručena&lt;/b&gt; okamžikem, kdy se do datové schránky přihlásí osoba oprávněná ji číst. Stažení seznamu přijatých zpráv v této aplikaci se za takové přihlášení považuje: každá dodaná zpráva se stane doručenou a začnou běžet zákonné lhůty.&lt;br&gt;&lt;br&gt;Pokud to nechcete, zvolte nedoručovat: aplikace pak stahuje jen odeslané zprávy a přijaté zůstanou nedoručené (po 10 dnech se doručí fikcí, pokud není doručení fikcí zakázáno).</translation>
    </message>
    <message>
        <source>Download received messages (they become accepted)</source>
        <translation>Stahovat přijaté zprávy (stanou se doručenými)</translation>
    </message>
    <message>
        <source>Do not accept: download only sent messages</source>
        <translation>Nedoručovat: stahovat jen odeslané zprávy</translation>
    </message>
</context>
<context>
    <name>DemoSession</name>
    <message>
        <source>Starting the training environment…</source>
        <translation>Spouštím cvičné prostředí…</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Select a message</source>
        <translation>Vyberte zprávu</translation>
    </message>
    <message>
        <source>Verification result</source>
        <translation>Výsledek ověření</translation>
    </message>
    <message>
        <source>Conflicting copies</source>
        <translation>Kopie v rozporu</translation>
    </message>
    <message>
        <source>Hand-over to records management</source>
        <translation>Předání do spisové služby</translation>
    </message>
    <message>
        <source>Envelope and delivery events</source>
        <translation>Obálka a události doručení</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Přílohy</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Otevřít</translation>
    </message>
    <message>
        <source>&amp;Save…</source>
        <translation>&amp;Uložit…</translation>
    </message>
    <message>
        <source>Save &amp;all…</source>
        <translation>Uložit &amp;vše…</translation>
    </message>
    <message>
        <source>&amp;Export ZFO…</source>
        <translation>&amp;Exportovat ZFO…</translation>
    </message>
    <message>
        <source>&amp;Verify</source>
        <translation>O&amp;věřit</translation>
    </message>
    <message>
        <source>PDF, &amp;print, e-mail…</source>
        <translation>PDF, &amp;tisk, e-mail…</translation>
    </message>
    <message>
        <source>Open the attachment in the system application</source>
        <translation>Otevřít přílohu v aplikaci systému</translation>
    </message>
    <message>
        <source>Save the selected attachments</source>
        <translation>Uložit vybrané přílohy</translation>
    </message>
    <message>
        <source>Save all attachments to a folder</source>
        <translation>Uložit všechny přílohy do složky</translation>
    </message>
    <message>
        <source>Export the signed message and delivery info</source>
        <translation>Exportovat podepsanou zprávu a doručenku</translation>
    </message>
    <message>
        <source>Verify the signature of the message again</source>
        <translation>Znovu ověřit podpis zprávy</translation>
    </message>
    <message>
        <source>Envelope and delivery info as PDF, printed or sent by e-mail</source>
        <translation>Obálka a doručenka jako PDF, vytištěné nebo odeslané e-mailem</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>Přílohy:</translation>
    </message>
    <message>
        <source>transfer batch</source>
        <translation>předávací dávka</translation>
    </message>
    <message>
        <source>upload</source>
        <translation>nahráno</translation>
    </message>
    <message>
        <source>Handed over to records management: %1 (%2 %3), confirmed %4</source>
        <translation>Předáno do spisové služby: %1 (%2 %3), potvrzeno %4</translation>
    </message>
    <message>
        <source>Not handed over to records management yet.</source>
        <translation>Dosud nepředáno do spisové služby.</translation>
    </message>
    <message>
        <source>Uploaded; the service has not confirmed it yet.</source>
        <translation>Nahráno; spisová služba převzetí zatím nepotvrdila.</translation>
    </message>
    <message>
        <source>Refused in batch %1: %2</source>
        <translation>Odmítnuto v dávce %1: %2</translation>
    </message>
    <message>
        <source>(no subject)</source>
        <translation>(bez předmětu)</translation>
    </message>
    <message>
        <source>Message ID</source>
        <translation>ID zprávy</translation>
    </message>
    <message>
        <source>Sender</source>
        <translation>Odesílatel</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Adresát</translation>
    </message>
    <message>
        <source>To hands</source>
        <translation>K rukám</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Dodáno</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Doručeno</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Stav</translation>
    </message>
    <message>
        <source>Our reference number</source>
        <translation>Naše číslo jednací</translation>
    </message>
    <message>
        <source>Our file mark</source>
        <translation>Naše spisová značka</translation>
    </message>
    <message>
        <source>Personal delivery</source>
        <translation>Do vlastních rukou</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ano</translation>
    </message>
    <message>
        <source>no</source>
        <translation>ne</translation>
    </message>
    <message>
        <source>Acceptance by fiction</source>
        <translation>Doručení fikcí</translation>
    </message>
    <message>
        <source>allowed</source>
        <translation>povoleno</translation>
    </message>
    <message>
        <source>not allowed</source>
        <translation>zakázáno</translation>
    </message>
    <message>
        <source>Big message</source>
        <translation>Velkoobjemová zpráva</translation>
    </message>
    <message>
        <source>Legal title</source>
        <translation>Zmocnění</translation>
    </message>
    <message>
        <source>Delivery events</source>
        <translation>Události doručení</translation>
    </message>
    <message>
        <source>Warning: the archive holds %1 other signed copies of this message with different content. The copy shown is the evidence; the others are kept aside.</source>
        <translation>Pozor: archiv obsahuje %1 další podepsané kopie této zprávy s odlišným obsahem. Zobrazená kopie je důkazem; ostatní jsou uloženy stranou.</translation>
    </message>
    <message>
        <source>former evidence, replaced by a trusted copy</source>
        <translation>dřívější důkaz, nahrazený důvěryhodnou kopií</translation>
    </message>
    <message>
        <source>arrived while this copy was the evidence</source>
        <translation>přišla, když tato kopie již byla důkazem</translation>
    </message>
    <message>
        <source>Save attachments to</source>
        <translation>Uložit přílohy do</translation>
    </message>
    <message>
        <source>Export message to</source>
        <translation>Exportovat zprávu do</translation>
    </message>
    <message>
        <source>Sender&apos;s reference number</source>
        <translation>Číslo jednací odesílatele</translation>
    </message>
    <message>
        <source>Sender&apos;s file mark</source>
        <translation>Spisová značka odesílatele</translation>
    </message>
    <message>
        <source>Recipient&apos;s reference number</source>
        <translation>Číslo jednací adresáta</translation>
    </message>
    <message>
        <source>Recipient&apos;s file mark</source>
        <translation>Spisová značka adresáta</translation>
    </message>
    <message>
        <source>Evidence versions</source>
        <translation>Verze důkazu</translation>
    </message>
    <message>
        <source>Verify in &amp;ISDS</source>
        <translation>Ověřit v &amp;ISDS</translation>
    </message>
    <message>
        <source>Re&amp;stamp</source>
        <translation>Obnovit &amp;razítko</translation>
    </message>
    <message>
        <source>Ask ISDS whether it issued exactly this file (AuthenticateMessage); the answer is recorded</source>
        <translation>Zeptat se ISDS, zda vydal právě tento soubor (AuthenticateMessage); odpověď se uloží</translation>
    </message>
    <message>
        <source>Renew the evidence: ISDS re-seals the message, kept as a new version beside the original</source>
        <translation>Obnovit důkaz: ISDS zprávu znovu zapečetí, uloží se jako nová verze vedle originálu</translation>
    </message>
    <message>
        <source>Restamp</source>
        <translation>Obnovit razítko</translation>
    </message>
</context>
<context>
    <name>DocumentsDialog</name>
    <message>
        <source>Envelope and delivery info</source>
        <translation>Obálka a doručenka</translation>
    </message>
    <message>
        <source>Export envelopes of the selected messages (%1)</source>
        <translation>Export obálek vybraných zpráv (%1)</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Dokument</translation>
    </message>
    <message>
        <source>Envelope (obálka)</source>
        <translation>Obálka datové zprávy</translation>
    </message>
    <message>
        <source>Delivery info (doručenka)</source>
        <translation>Doručenka</translation>
    </message>
    <message>
        <source>Both in one file</source>
        <translation>Obojí v jednom souboru</translation>
    </message>
    <message>
        <source>&amp;Save PDF…</source>
        <translation>&amp;Uložit PDF…</translation>
    </message>
    <message>
        <source>&amp;Save PDFs to a folder…</source>
        <translation>&amp;Uložit PDF do složky…</translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation>&amp;Tisk…</translation>
    </message>
    <message>
        <source>Print with a preview</source>
        <translation>Tisk s náhledem</translation>
    </message>
    <message>
        <source>Send by e-mail</source>
        <translation>Odeslat e-mailem</translation>
    </message>
    <message>
        <source>Attach the attachments</source>
        <translation>Přiložit přílohy</translation>
    </message>
    <message>
        <source>Attach the PDF envelope</source>
        <translation>Přiložit obálku v PDF</translation>
    </message>
    <message>
        <source>Send by &amp;e-mail…</source>
        <translation>Odeslat &amp;e-mailem…</translation>
    </message>
    <message>
        <source>Writes an e-mail with the ZFO and opens it in the default mail client</source>
        <translation>Vytvoří e-mail se souborem ZFO a otevře ho ve výchozím poštovním programu</translation>
    </message>
    <message>
        <source>Save PDF</source>
        <translation>Uložit PDF</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>Dokumenty PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Save PDFs to</source>
        <translation>Uložit PDF do</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Uloženo: %1</translation>
    </message>
    <message>
        <source>Making the PDF…</source>
        <translation>Vytváří se PDF…</translation>
    </message>
    <message>
        <source>Preparing the print…</source>
        <translation>Připravuje se tisk…</translation>
    </message>
    <message>
        <source>E-mail opened in the mail client: %1</source>
        <translation>E-mail otevřen v poštovním programu: %1</translation>
    </message>
    <message>
        <source>Writing the e-mail…</source>
        <translation>Vytváří se e-mail…</translation>
    </message>
</context>
<context>
    <name>EmailSettingsBox</name>
    <message>
        <source>E-mail notification</source>
        <translation>Upozornění e-mailem</translation>
    </message>
    <message>
        <source>After each synchronization, e-mail a digest of new messages and due items</source>
        <translation>Po každé synchronizaci poslat e-mailem přehled nových zpráv a hlídaných lhůt</translation>
    </message>
    <message>
        <source>Recipient address</source>
        <translation>Adresa příjemce</translation>
    </message>
    <message>
        <source>Sender address</source>
        <translation>Adresa odesílatele</translation>
    </message>
    <message>
        <source>(the login name)</source>
        <translation>(přihlašovací jméno)</translation>
    </message>
    <message>
        <source>SMTP server</source>
        <translation>Server SMTP</translation>
    </message>
    <message>
        <source>SMTP port</source>
        <translation>Port SMTP</translation>
    </message>
    <message>
        <source>STARTTLS (port 587)</source>
        <translation>STARTTLS (port 587)</translation>
    </message>
    <message>
        <source>TLS from the start – SMTPS (port 465)</source>
        <translation>TLS od začátku – SMTPS (port 465)</translation>
    </message>
    <message>
        <source>Encryption</source>
        <translation>Šifrování</translation>
    </message>
    <message>
        <source>SMTP user name</source>
        <translation>Uživatelské jméno SMTP</translation>
    </message>
    <message>
        <source>SMTP password</source>
        <translation>Heslo SMTP</translation>
    </message>
    <message>
        <source>CA certificate of the mail server</source>
        <translation>Certifikát CA poštovního serveru</translation>
    </message>
    <message>
        <source>(the system&apos;s certificate authorities)</source>
        <translation>(certifikační autority systému)</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vybrat…</translation>
    </message>
    <message>
        <source>Data boxes whose message content is e-mailed</source>
        <translation>Datové schránky, jejichž obsah zpráv se posílá e-mailem</translation>
    </message>
    <message>
        <source>Send a test e-mail</source>
        <translation>Poslat zkušební e-mail</translation>
    </message>
    <message>
        <source>E-mail notification status</source>
        <translation>Stav upozornění e-mailem</translation>
    </message>
    <message>
        <source>Send to:</source>
        <translation>Komu:</translation>
    </message>
    <message>
        <source>Sender:</source>
        <translation>Odesílatel:</translation>
    </message>
    <message>
        <source>SMTP server:</source>
        <translation>Server SMTP:</translation>
    </message>
    <message>
        <source>Encryption:</source>
        <translation>Šifrování:</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>Uživatelské jméno:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Heslo:</translation>
    </message>
    <message>
        <source>Server CA:</source>
        <translation>CA serveru:</translation>
    </message>
    <message>
        <source>Include content (and the ZFO) for:</source>
        <translation>Přikládat obsah (a ZFO) u:</translation>
    </message>
    <message>
        <source>For other data boxes the e-mail names only the message numbers. The password is kept in the system&apos;s password store, never in the archive.</source>
        <translation>U ostatních datových schránek e-mail uvádí jen čísla zpráv. Heslo se ukládá do úložiště hesel systému, nikdy do archivu.</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>Certifikát CA</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer)</source>
        <translation>Certifikáty (*.pem *.crt *.cer)</translation>
    </message>
    <message>
        <source>(saved; type to replace)</source>
        <translation>(uloženo; pro změnu napište nové)</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Odesílám…</translation>
    </message>
    <message>
        <source>The test e-mail was sent to %1.</source>
        <translation>Zkušební e-mail byl odeslán na %1.</translation>
    </message>
    <message>
        <source>The test e-mail was not sent: %1</source>
        <translation>Zkušební e-mail nebyl odeslán: %1</translation>
    </message>
</context>
<context>
    <name>EnvironmentPage</name>
    <message>
        <source>Where is the data box?</source>
        <translation>Kde je datová schránka?</translation>
    </message>
    <message>
        <source>Choose the ISDS environment the data box belongs to.</source>
        <translation>Vyberte prostředí ISDS, do kterého datová schránka patří.</translation>
    </message>
    <message>
        <source>Production ISDS (datovka.gov.cz)</source>
        <translation>Produkční ISDS (datovka.gov.cz)</translation>
    </message>
    <message>
        <source>Public test environment of ISDS</source>
        <translation>Veřejné testovací prostředí ISDS</translation>
    </message>
    <message>
        <source>Training environment (embedded simulator)</source>
        <translation>Cvičné prostředí (vestavěný simulátor)</translation>
    </message>
    <message>
        <source>Other server (URL)</source>
        <translation>Jiný server (URL)</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>Adresa serveru</translation>
    </message>
    <message>
        <source>Extra CA certificate</source>
        <translation>Další certifikát CA</translation>
    </message>
    <message>
        <source>Server URL:</source>
        <translation>Adresa serveru:</translation>
    </message>
    <message>
        <source>Extra CA certificate:</source>
        <translation>Další certifikát CA:</translation>
    </message>
    <message>
        <source>Choose a CA certificate</source>
        <translation>Vyberte certifikát CA</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer);;All (*)</source>
        <translation>Certifikáty (*.pem *.crt *.cer);;Vše (*)</translation>
    </message>
    <message>
        <source>Certificate verification is always on; an extra CA certificate only adds a trusted authority.</source>
        <translation>Ověřování certifikátů je vždy zapnuté; další certifikát CA jen přidá důvěryhodnou autoritu.</translation>
    </message>
    <message>
        <source>Enter an https:// address of the server.</source>
        <translation>Zadejte adresu serveru začínající https://.</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The file or folder cannot be written (no permission).</source>
        <translation>Soubor nebo složku nelze zapsat (chybí oprávnění).</translation>
    </message>
    <message>
        <source>The file does not exist.</source>
        <translation>Soubor neexistuje.</translation>
    </message>
    <message>
        <source>A file operation failed.</source>
        <translation>Operace se souborem selhala.</translation>
    </message>
    <message>
        <source>An unexpected error occurred.</source>
        <translation>Došlo k neočekávané chybě.</translation>
    </message>
    <message>
        <source>ISDS code: %1</source>
        <translation>Kód ISDS: %1</translation>
    </message>
    <message>
        <source>ISDS limits the number of requests; try again after %1.</source>
        <translation>ISDS omezuje počet požadavků; zkuste to znovu po %1.</translation>
    </message>
    <message>
        <source>ISDS is under maintenance; try again after %1.</source>
        <translation>ISDS má odstávku; zkuste to znovu po %1.</translation>
    </message>
    <message>
        <source>ISDS did not answer in time; try again after %1.</source>
        <translation>ISDS neodpověděl včas; zkuste to znovu po %1.</translation>
    </message>
    <message>
        <source>The disk is full: the archive cannot be written. Free some disk space and try again.</source>
        <translation>Disk je plný: do archivu nelze zapisovat. Uvolněte místo na disku a zkuste to znovu.</translation>
    </message>
    <message>
        <source>The archive cannot be written: the database or its folder is read-only or not writable. Check the permissions and try again.</source>
        <translation>Do archivu nelze zapisovat: databáze nebo její složka je jen pro čtení nebo k ní chybí oprávnění. Zkontrolujte oprávnění a zkuste to znovu.</translation>
    </message>
    <message>
        <source>Writing to the archive failed (a disk error). Check the disk and try again.</source>
        <translation>Zápis do archivu selhal (chyba disku). Zkontrolujte disk a zkuste to znovu.</translation>
    </message>
    <message>
        <source>Synchronization stopped; nothing more was downloaded.</source>
        <translation>Synchronizace byla zastavena; nic dalšího se nestahovalo.</translation>
    </message>
    <message>
        <source>Operation: %1</source>
        <translation>Operace: %1</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Chyba</translation>
    </message>
    <message>
        <source>HTTP status: %1</source>
        <translation>Stav HTTP: %1</translation>
    </message>
    <message>
        <source> (HTTP %1)</source>
        <translation> (HTTP %1)</translation>
    </message>
    <message>
        <source> (ISDS code %1)</source>
        <translation> (kód ISDS %1)</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>From</source>
        <translation>Od</translation>
    </message>
    <message>
        <source>To</source>
        <translation>Do</translation>
    </message>
    <message>
        <source>Delivered from</source>
        <translation>Dodáno od</translation>
    </message>
    <message>
        <source>Delivered until</source>
        <translation>Dodáno do</translation>
    </message>
    <message>
        <source>Sender or recipient</source>
        <translation>Odesílatel nebo adresát</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Stav</translation>
    </message>
    <message>
        <source>State: any</source>
        <translation>Stav: vše</translation>
    </message>
    <message>
        <source>Verification: any</source>
        <translation>Ověření: vše</translation>
    </message>
    <message>
        <source>Attachments: any</source>
        <translation>Přílohy: vše</translation>
    </message>
    <message>
        <source>Tag: any</source>
        <translation>Štítek: vše</translation>
    </message>
    <message>
        <source>Delivered, not accepted yet</source>
        <translation>Dodáno, dosud nedoručeno</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Doručeno</translation>
    </message>
    <message>
        <source>Accepted by fiction</source>
        <translation>Doručena fikcí</translation>
    </message>
    <message>
        <source>Undeliverable</source>
        <translation>Nedoručitelná</translation>
    </message>
    <message>
        <source>Content deleted</source>
        <translation>Obsah smazán</translation>
    </message>
    <message>
        <source>Verification</source>
        <translation>Ověření</translation>
    </message>
    <message>
        <source>Signature valid</source>
        <translation>Podpis platný</translation>
    </message>
    <message>
        <source>Timestamp expiring</source>
        <translation>Časové razítko brzy vyprší</translation>
    </message>
    <message>
        <source>Signature not trusted or invalid</source>
        <translation>Podpis nedůvěryhodný nebo neplatný</translation>
    </message>
    <message>
        <source>Not verified (not downloaded)</source>
        <translation>Neověřeno (nestaženo)</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Přílohy</translation>
    </message>
    <message>
        <source>With attachments</source>
        <translation>S přílohami</translation>
    </message>
    <message>
        <source>Without attachments</source>
        <translation>Bez příloh</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Štítek</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Zrušit filtry</translation>
    </message>
</context>
<context>
    <name>FinishPage</name>
    <message>
        <source>Name and test login</source>
        <translation>Název a zkušební přihlášení</translation>
    </message>
    <message>
        <source>The application logs in once to check the login; no messages are listed, so nothing is accepted.</source>
        <translation>Aplikace se jednou přihlásí, aby ověřila přihlašovací údaje; seznam zpráv nestahuje, takže se nic nedoručí.</translation>
    </message>
    <message>
        <source>Account name</source>
        <translation>Název účtu</translation>
    </message>
    <message>
        <source>Test login result</source>
        <translation>Výsledek zkušebního přihlášení</translation>
    </message>
    <message>
        <source>Account name:</source>
        <translation>Název účtu:</translation>
    </message>
</context>
<context>
    <name>FirstStartDialog</name>
    <message>
        <source>Welcome to DSO Desktop</source>
        <translation>Vítejte v DSO Desktop</translation>
    </message>
    <message>
        <source>The archive is empty. How do you want to start?</source>
        <translation>Archiv je prázdný. Jak chcete začít?</translation>
    </message>
    <message>
        <source>Add a data box</source>
        <translation>Přidat datovou schránku</translation>
    </message>
    <message>
        <source>Restore from a backup (transfer from another computer)</source>
        <translation>Obnovit ze zálohy (přenos z jiného počítače)</translation>
    </message>
    <message>
        <source>Move over from Datovka</source>
        <translation>Převést data z Datovky</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Později</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>Posted</source>
        <translation>Podána</translation>
    </message>
    <message>
        <source>Timestamped</source>
        <translation>Opatřena časovým razítkem</translation>
    </message>
    <message>
        <source>Infected attachment removed</source>
        <translation>Infikovaná příloha odstraněna</translation>
    </message>
    <message>
        <source>Delivered to the box</source>
        <translation>Dodána do schránky</translation>
    </message>
    <message>
        <source>Accepted by fiction</source>
        <translation>Doručena fikcí</translation>
    </message>
    <message>
        <source>Accepted by login</source>
        <translation>Doručena přihlášením</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Přečtena</translation>
    </message>
    <message>
        <source>Undeliverable</source>
        <translation>Nedoručitelná</translation>
    </message>
    <message>
        <source>Content deleted</source>
        <translation>Obsah smazán</translation>
    </message>
    <message>
        <source>In the data vault</source>
        <translation>V datovém trezoru</translation>
    </message>
    <message>
        <source>Signature valid: the message is authentic and unchanged.</source>
        <translation>Podpis je platný: zpráva je pravá a nezměněná.</translation>
    </message>
    <message>
        <source>Signature valid, but the timestamp expires soon.</source>
        <translation>Podpis je platný, ale časové razítko brzy vyprší.</translation>
    </message>
    <message>
        <source>Signature was valid when the message was signed.</source>
        <translation>Podpis byl platný v okamžiku podepsání zprávy.</translation>
    </message>
    <message>
        <source>Signature is intact but from an untrusted authority.</source>
        <translation>Podpis je neporušený, ale od nedůvěryhodné autority.</translation>
    </message>
    <message>
        <source>Signature INVALID: the message may have been altered.</source>
        <translation>Podpis je NEPLATNÝ: zpráva mohla být změněna.</translation>
    </message>
    <message>
        <source>Not verified yet.</source>
        <translation>Zatím neověřeno.</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>Platný</translation>
    </message>
    <message>
        <source>Expiring</source>
        <translation>Brzy vyprší</translation>
    </message>
    <message>
        <source>Valid at signing</source>
        <translation>Platný při podpisu</translation>
    </message>
    <message>
        <source>Untrusted</source>
        <translation>Nedůvěryhodný</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>Neplatný</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>Neověřeno</translation>
    </message>
    <message>
        <source>System box</source>
        <translation>Systémová schránka</translation>
    </message>
    <message>
        <source>Public authority</source>
        <translation>Orgán veřejné moci</translation>
    </message>
    <message>
        <source>Notary</source>
        <translation>Notář</translation>
    </message>
    <message>
        <source>Court executor</source>
        <translation>Soudní exekutor</translation>
    </message>
    <message>
        <source>Public authority (on request)</source>
        <translation>Orgán veřejné moci (na žádost)</translation>
    </message>
    <message>
        <source>Natural person acting as a public authority</source>
        <translation>Fyzická osoba v roli orgánu veřejné moci</translation>
    </message>
    <message>
        <source>Self-employed person acting as a public authority</source>
        <translation>Podnikající fyzická osoba v roli orgánu veřejné moci</translation>
    </message>
    <message>
        <source>Legal person acting as a public authority</source>
        <translation>Právnická osoba v roli orgánu veřejné moci</translation>
    </message>
    <message>
        <source>Legal person</source>
        <translation>Právnická osoba</translation>
    </message>
    <message>
        <source>Legal person established by law</source>
        <translation>Právnická osoba zřízená zákonem</translation>
    </message>
    <message>
        <source>Legal person (on request)</source>
        <translation>Právnická osoba (na žádost)</translation>
    </message>
    <message>
        <source>Self-employed person</source>
        <translation>Podnikající fyzická osoba</translation>
    </message>
    <message>
        <source>Attorney</source>
        <translation>Advokát</translation>
    </message>
    <message>
        <source>Tax advisor</source>
        <translation>Daňový poradce</translation>
    </message>
    <message>
        <source>Insolvency administrator</source>
        <translation>Insolvenční správce</translation>
    </message>
    <message>
        <source>Statutory auditor</source>
        <translation>Statutární auditor</translation>
    </message>
    <message>
        <source>Court expert</source>
        <translation>Soudní znalec</translation>
    </message>
    <message>
        <source>Court interpreter</source>
        <translation>Soudní tlumočník</translation>
    </message>
    <message>
        <source>Chartered architect</source>
        <translation>Autorizovaný architekt</translation>
    </message>
    <message>
        <source>Chartered engineer or technician in construction</source>
        <translation>Autorizovaný inženýr nebo technik ve výstavbě</translation>
    </message>
    <message>
        <source>Chartered surveyor</source>
        <translation>Úřední zeměměřický inženýr</translation>
    </message>
    <message>
        <source>Self-employed person (on request)</source>
        <translation>Podnikající fyzická osoba (na žádost)</translation>
    </message>
    <message>
        <source>Natural person</source>
        <translation>Fyzická osoba</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <source>Hand over to records management</source>
        <translation>Předat do spisové služby</translation>
    </message>
    <message>
        <source>What to hand over</source>
        <translation>Co předat</translation>
    </message>
    <message>
        <source>Selected messages (%1)</source>
        <translation>Vybrané zprávy (%1)</translation>
    </message>
    <message>
        <source>Messages of a period</source>
        <translation>Zprávy za období</translation>
    </message>
    <message>
        <source>All data boxes</source>
        <translation>Všechny datové schránky</translation>
    </message>
    <message>
        <source>Only messages not handed over yet</source>
        <translation>Jen dosud nepředané zprávy</translation>
    </message>
    <message>
        <source>Data box:</source>
        <translation>Datová schránka:</translation>
    </message>
    <message>
        <source>From:</source>
        <translation>Od:</translation>
    </message>
    <message>
        <source>To:</source>
        <translation>Do:</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vybrat…</translation>
    </message>
    <message>
        <source>&amp;Load target nodes</source>
        <translation>&amp;Načíst cílová místa</translation>
    </message>
    <message>
        <source>Target node</source>
        <translation>Cílové místo</translation>
    </message>
    <message>
        <source>Target nodes of the records service</source>
        <translation>Cílová místa ve spisové službě</translation>
    </message>
    <message>
        <source>&amp;Hand over</source>
        <translation>&amp;Předat</translation>
    </message>
    <message>
        <source>Service URL:</source>
        <translation>Adresa služby (URL):</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>Token:</translation>
    </message>
    <message>
        <source>Extra CA certificate:</source>
        <translation>Další certifikát CA:</translation>
    </message>
    <message>
        <source>Records service (REST)</source>
        <translation>Spisová služba (REST)</translation>
    </message>
    <message>
        <source>&amp;Save transfer batch…</source>
        <translation>&amp;Uložit předávací dávku…</translation>
    </message>
    <message>
        <source>Receiving system (identifier):</source>
        <translation>Přijímající systém (identifikátor):</translation>
    </message>
    <message>
        <source>The batch (NSESSS, annex 7) is a ZIP file for the receiving system. The messages count as handed over only after its confirmation is read (dso records confirm).</source>
        <translation>Dávka (NSESSS, příloha 7) je soubor ZIP pro přijímající systém. Zprávy se považují za předané až po načtení jeho potvrzení (dso records confirm).</translation>
    </message>
    <message>
        <source>Transfer batch (file)</source>
        <translation>Předávací dávka (soubor)</translation>
    </message>
    <message>
        <source>Result of the hand-over</source>
        <translation>Výsledek předání</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Zavřít</translation>
    </message>
    <message>
        <source>Extra CA certificate</source>
        <translation>Další certifikát CA</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer *.der)</source>
        <translation>Certifikáty (*.pem *.crt *.cer *.der)</translation>
    </message>
    <message>
        <source>Files cannot be placed here</source>
        <translation>Sem nelze ukládat soubory</translation>
    </message>
    <message>
        <source>Connected to: %1</source>
        <translation>Připojeno ke službě: %1</translation>
    </message>
    <message>
        <source>Tick at least one target node.</source>
        <translation>Zaškrtněte alespoň jedno cílové místo.</translation>
    </message>
    <message>
        <source>No stored message matches; nothing was handed over.</source>
        <translation>Výběru neodpovídá žádná uložená zpráva; nic nebylo předáno.</translation>
    </message>
    <message>
        <source>Handed over (confirmed by the service): %1 of %2</source>
        <translation>Předáno (potvrzeno spisovou službou): %1 z %2</translation>
    </message>
    <message>
        <source>Not handed over: %1 (%2)</source>
        <translation>Nepředáno: %1 (%2)</translation>
    </message>
    <message>
        <source>Save transfer batch</source>
        <translation>Uložit předávací dávku</translation>
    </message>
    <message>
        <source>ZIP (*.zip)</source>
        <translation>ZIP (*.zip)</translation>
    </message>
    <message>
        <source>Batch %1 saved: %2 messages. They count as handed over once the receiving system confirms the batch.</source>
        <translation>Dávka %1 uložena: zpráv %2. Za předané se považují, až přijímající systém dávku potvrdí.</translation>
    </message>
</context>
<context>
    <name>HelpWindow</name>
    <message>
        <source>User manual</source>
        <translation>Příručka</translation>
    </message>
    <message>
        <source>The user manual is missing from this installation.</source>
        <translation>Příručka v této instalaci chybí.</translation>
    </message>
</context>
<context>
    <name>Integrity</name>
    <message>
        <source>The archive is in order: %1 of %2 signed messages verify.</source>
        <translation>Archiv je v pořádku: ověřeno %1 z %2 podepsaných zpráv.</translation>
    </message>
    <message>
        <source>The archive needs attention: %1 of %2 signed messages verify, %3 problems found.</source>
        <translation>Archiv vyžaduje pozornost: ověřeno %1 z %2 podepsaných zpráv, nalezeno problémů: %3.</translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation>… a dalších %1</translation>
    </message>
    <message>
        <source>not verified</source>
        <translation>neověřeno</translation>
    </message>
    <message>
        <source>Stopped: the results stored so far stay, the others are unchanged.</source>
        <translation>Přerušeno: dosud uložené výsledky zůstávají, ostatní se nezměnily.</translation>
    </message>
    <message>
        <source>%1 new verification results stored; each change is in its message&apos;s history.</source>
        <translation>Uložené nové výsledky ověření: %1; každá změna je v historii zprávy.</translation>
    </message>
    <message>
        <source>%1 stored verification results differ from today&apos;s verification:</source>
        <translation>Uložené výsledky ověření, které se liší od dnešního ověření: %1</translation>
    </message>
    <message>
        <source>data message</source>
        <translation>datová zpráva</translation>
    </message>
    <message>
        <source>delivery info</source>
        <translation>doručenka</translation>
    </message>
    <message>
        <source>%1 results were changed meanwhile by someone else and left as they are.</source>
        <translation>Výsledky, které mezitím změnil někdo jiný (ponechány beze změny): %1</translation>
    </message>
    <message>
        <source>Storing the new verification results…</source>
        <translation>Ukládám nové výsledky ověření…</translation>
    </message>
    <message>
        <source>Checking the signatures of the archive…</source>
        <translation>Kontroluji podpisy v archivu…</translation>
    </message>
    <message>
        <source>Archive check</source>
        <translation>Kontrola archivu</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Zrušit</translation>
    </message>
    <message>
        <source>Stopping after the current batch…</source>
        <translation>Zastavuji po dokončení rozpracované dávky…</translation>
    </message>
    <message>
        <source>Store the new verification results</source>
        <translation>Uložit nové výsledky ověření</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>How do you log in?</source>
        <translation>Jak se přihlašujete?</translation>
    </message>
    <message>
        <source>Use the same login as on the ISDS web portal.</source>
        <translation>Použijte stejné přihlášení jako na portálu ISDS.</translation>
    </message>
    <message>
        <source>Login method</source>
        <translation>Způsob přihlášení</translation>
    </message>
    <message>
        <source>User name and password</source>
        <translation>Uživatelské jméno a heslo</translation>
    </message>
    <message>
        <source>Password and SMS code</source>
        <translation>Heslo a SMS kód</translation>
    </message>
    <message>
        <source>Password and security code (authenticator)</source>
        <translation>Heslo a bezpečnostní kód (autentizační aplikace)</translation>
    </message>
    <message>
        <source>Mobile key (approval in the phone app)</source>
        <translation>Mobilní klíč (schválení v aplikaci v telefonu)</translation>
    </message>
    <message>
        <source>Certificate and password</source>
        <translation>Certifikát a heslo</translation>
    </message>
    <message>
        <source>System certificate (records management)</source>
        <translation>Systémový certifikát (spisová služba)</translation>
    </message>
    <message>
        <source>Hosted records-management certificate</source>
        <translation>Certifikát hostované spisové služby</translation>
    </message>
    <message>
        <source>Training user</source>
        <translation>Cvičný uživatel</translation>
    </message>
    <message>
        <source>(enter yourself)</source>
        <translation>(zadám sám)</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>Uživatelské jméno</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Heslo</translation>
    </message>
    <message>
        <source>Save the password in the system keyring</source>
        <translation>Uložit heslo do úložiště hesel systému</translation>
    </message>
    <message>
        <source>Certificate file</source>
        <translation>Soubor certifikátu</translation>
    </message>
    <message>
        <source>Private key file</source>
        <translation>Soubor soukromého klíče</translation>
    </message>
    <message>
        <source>Passphrase of the certificate key</source>
        <translation>Heslo ke klíči certifikátu</translation>
    </message>
    <message>
        <source>Needed for a PKCS#12 file (.p12, .pfx) or an encrypted key; kept in the system keyring.</source>
        <translation>Potřeba pro soubor PKCS#12 (.p12, .pfx) nebo šifrovaný klíč; uloží se do systémové klíčenky.</translation>
    </message>
    <message>
        <source>Training user:</source>
        <translation>Cvičný uživatel:</translation>
    </message>
    <message>
        <source>Login method:</source>
        <translation>Způsob přihlášení:</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>Uživatelské jméno:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Heslo:</translation>
    </message>
    <message>
        <source>Certificate (PEM or PKCS#12):</source>
        <translation>Certifikát (PEM nebo PKCS#12):</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.p12 *.pfx);;All (*)</source>
        <translation>Certifikáty (*.pem *.crt *.p12 *.pfx);;Vše (*)</translation>
    </message>
    <message>
        <source>Private key (PEM, if separate):</source>
        <translation>Soukromý klíč (PEM, je-li zvlášť):</translation>
    </message>
    <message>
        <source>Choose the certificate</source>
        <translation>Vyberte certifikát</translation>
    </message>
    <message>
        <source>Choose the private key</source>
        <translation>Vyberte soukromý klíč</translation>
    </message>
    <message>
        <source>Keys (*.pem *.key);;All (*)</source>
        <translation>Klíče (*.pem *.key);;Vše (*)</translation>
    </message>
    <message>
        <source>Key passphrase:</source>
        <translation>Heslo ke klíči:</translation>
    </message>
    <message>
        <source>Communication code:</source>
        <translation>Komunikační kód:</translation>
    </message>
    <message>
        <source>Enter the user name.</source>
        <translation>Zadejte uživatelské jméno.</translation>
    </message>
    <message>
        <source>Enter the password.</source>
        <translation>Zadejte heslo.</translation>
    </message>
    <message>
        <source>Choose an existing certificate file.</source>
        <translation>Vyberte existující soubor certifikátu.</translation>
    </message>
    <message>
        <source>Without this the password is asked for once per run of the application. For SMS and authenticator logins only the code is asked each time.</source>
        <translation>Bez toho se heslo zadává jednou při každém spuštění aplikace. U přihlášení SMS kódem nebo autentizační aplikací se pokaždé zadává jen kód.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Tags</source>
        <translation>Štítky</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>Upozornění</translation>
    </message>
    <message>
        <source>Data boxes</source>
        <translation>Datové schránky</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Zprávy</translation>
    </message>
    <message>
        <source>handed over</source>
        <translation>předáno</translation>
    </message>
    <message>
        <source>Quick filter: words from the subject, parties or attachments (Ctrl+F)</source>
        <translation>Rychlý filtr: slova z předmětu, odesílatele, adresáta nebo příloh (Ctrl+F)</translation>
    </message>
    <message>
        <source>Quick filter</source>
        <translation>Rychlý filtr</translation>
    </message>
    <message>
        <source>Number of messages</source>
        <translation>Počet zpráv</translation>
    </message>
    <message>
        <source>Records: all</source>
        <translation>Spisová služba: vše</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>Předané</translation>
    </message>
    <message>
        <source>Not handed over</source>
        <translation>Nepředané</translation>
    </message>
    <message>
        <source>Hand-over state filter</source>
        <translation>Filtr stavu předání</translation>
    </message>
    <message>
        <source>Training environment — an embedded ISDS simulator with demo data. Nothing is sent to the real data-box system.</source>
        <translation>Cvičné prostředí — vestavěný simulátor ISDS s ukázkovými daty. Nic se neodesílá do skutečného systému datových schránek.</translation>
    </message>
    <message>
        <source>Training environment</source>
        <translation>Cvičné prostředí</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Stav</translation>
    </message>
    <message>
        <source>Att.</source>
        <translation>Příl.</translation>
    </message>
    <message>
        <source>&amp;Synchronize</source>
        <translation>&amp;Synchronizovat</translation>
    </message>
    <message>
        <source>Download new messages of the selected data box</source>
        <translation>Stáhnout nové zprávy vybrané datové schránky</translation>
    </message>
    <message>
        <source>Synchronize &amp;all</source>
        <translation>Synchronizovat &amp;vše</translation>
    </message>
    <message>
        <source>&amp;Cancel synchronization</source>
        <translation>&amp;Zrušit synchronizaci</translation>
    </message>
    <message>
        <source>&amp;New message…</source>
        <translation>&amp;Nová zpráva…</translation>
    </message>
    <message>
        <source>&amp;Reply…</source>
        <translation>&amp;Odpovědět…</translation>
    </message>
    <message>
        <source>&amp;Forward…</source>
        <translation>&amp;Přeposlat…</translation>
    </message>
    <message>
        <source>&amp;Open ZFO file…</source>
        <translation>&amp;Otevřít soubor ZFO…</translation>
    </message>
    <message>
        <source>&amp;Import ZFO files…</source>
        <translation>&amp;Importovat soubory ZFO…</translation>
    </message>
    <message>
        <source>&amp;Export message…</source>
        <translation>&amp;Exportovat zprávu…</translation>
    </message>
    <message>
        <source>Envelope and &amp;delivery info (PDF, print, e-mail)…</source>
        <translation>Obálka a &amp;doručenka (PDF, tisk, e-mail)…</translation>
    </message>
    <message>
        <source>Export envelopes of the selected messages…</source>
        <translation>Exportovat obálky vybraných zpráv…</translation>
    </message>
    <message>
        <source>Correspondence &amp;overview…</source>
        <translation>&amp;Přehled korespondence…</translation>
    </message>
    <message>
        <source>&amp;Add data box…</source>
        <translation>Přid&amp;at datovou schránku…</translation>
    </message>
    <message>
        <source>&amp;Remove data box…</source>
        <translation>Odeb&amp;rat datovou schránku…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>Nas&amp;tavení…</translation>
    </message>
    <message>
        <source>Full-text &amp;search…</source>
        <translation>Fullte&amp;xtové hledání…</translation>
    </message>
    <message>
        <source>Quick &amp;filter</source>
        <translation>Rychlý &amp;filtr</translation>
    </message>
    <message>
        <source>&amp;Tags…</source>
        <translation>Ští&amp;tky…</translation>
    </message>
    <message>
        <source>Mark as &amp;unread</source>
        <translation>Označit jako &amp;nepřečtené</translation>
    </message>
    <message>
        <source>Mark as r&amp;ead</source>
        <translation>Označit jako př&amp;ečtené</translation>
    </message>
    <message>
        <source>&amp;Verify signature</source>
        <translation>O&amp;věřit podpis</translation>
    </message>
    <message>
        <source>&amp;Hand over to records management…</source>
        <translation>Předat do &amp;spisové služby…</translation>
    </message>
    <message>
        <source>Hand the selected messages or a period over to the records management service</source>
        <translation>Předat vybrané zprávy nebo zprávy za období do spisové služby</translation>
    </message>
    <message>
        <source>Refresh &amp;warnings</source>
        <translation>Obnovit &amp;upozornění</translation>
    </message>
    <message>
        <source>&amp;Check archive…</source>
        <translation>&amp;Zkontrolovat archiv…</translation>
    </message>
    <message>
        <source>Verify every stored signature and find untrusted or conflicting copies</source>
        <translation>Ověřit všechny uložené podpisy a najít nedůvěryhodné kopie nebo kopie v rozporu</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Konec</translation>
    </message>
    <message>
        <source>&amp;About DSO Desktop</source>
        <translation>&amp;O aplikaci DSO Desktop</translation>
    </message>
    <message>
        <source>Check for &amp;updates</source>
        <translation>Zkontrolovat &amp;aktualizace</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Soubor</translation>
    </message>
    <message>
        <source>&amp;Data box</source>
        <translation>&amp;Datová schránka</translation>
    </message>
    <message>
        <source>&amp;Message</source>
        <translation>&amp;Zpráva</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Hledat</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Nápo&amp;věda</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>Hlavní panel nástrojů</translation>
    </message>
    <message>
        <source>Not synchronized in this session</source>
        <translation>V tomto spuštění zatím nesynchronizováno</translation>
    </message>
    <message>
        <source>Synchronization state</source>
        <translation>Stav synchronizace</translation>
    </message>
    <message>
        <source>Synchronization progress</source>
        <translation>Průběh synchronizace</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Zrušit</translation>
    </message>
    <message>
        <source>Cancel synchronization</source>
        <translation>Zrušit synchronizaci</translation>
    </message>
    <message>
        <source>Messages: %1</source>
        <translation>Zpráv: %1</translation>
    </message>
    <message>
        <source>Evidence expiry computed for %1 stored messages.</source>
        <translation>Konec ověřitelnosti zjištěn u uložených zpráv: %1.</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation>Všechny zprávy</translation>
    </message>
    <message>
        <source>No warnings.</source>
        <translation>Žádná upozornění.</translation>
    </message>
    <message>
        <source>…and %1 more (double-click to show more)</source>
        <translation>…a dalších %1 (dvojklikem zobrazíte další)</translation>
    </message>
    <message>
        <source>Warnings: %1</source>
        <translation>Upozornění: %1</translation>
    </message>
    <message>
        <source>Synchronizing %1…</source>
        <translation>Synchronizuji %1…</translation>
    </message>
    <message>
        <source>Synchronizing %1: %2</source>
        <translation>Synchronizuji %1: %2</translation>
    </message>
    <message>
        <source>Synchronized %1 at %2, new messages: %3</source>
        <translation>%1 synchronizováno v %2, nových zpráv: %3</translation>
    </message>
    <message>
        <source>%1 message(s) could not be downloaded: %2</source>
        <translation>nepodařilo se stáhnout zpráv: %1 (%2)</translation>
    </message>
    <message>
        <source>New data messages</source>
        <translation>Nové datové zprávy</translation>
    </message>
    <message>
        <source>%1: %2 new message(s)</source>
        <translation>%1: nových zpráv: %2</translation>
    </message>
    <message>
        <source>Synchronization of %1 failed: %2</source>
        <translation>Synchronizace %1 selhala: %2</translation>
    </message>
    <message>
        <source>Synchronization of %1</source>
        <translation>Synchronizace %1</translation>
    </message>
    <message>
        <source>Synchronization</source>
        <translation>Synchronizace</translation>
    </message>
    <message>
        <source>Synchronization of %1 was cancelled</source>
        <translation>Synchronizace %1 byla zrušena</translation>
    </message>
    <message>
        <source>The e-mail digest was not sent: %1</source>
        <translation>Přehled e-mailem nebyl odeslán: %1</translation>
    </message>
    <message>
        <source>E-mail notification</source>
        <translation>Upozornění e-mailem</translation>
    </message>
    <message>
        <source>Deadlines and expiring evidence</source>
        <translation>Lhůty a končící platnost důkazů</translation>
    </message>
    <message>
        <source>%1 new item(s) need attention; the nearest: %2 %3 — %4</source>
        <translation>Nových položek vyžadujících pozornost: %1; nejbližší: %2 %3 — %4</translation>
    </message>
    <message>
        <source>New message</source>
        <translation>Nová zpráva</translation>
    </message>
    <message>
        <source>Add a data box first.</source>
        <translation>Nejdříve přidejte datovou schránku.</translation>
    </message>
    <message>
        <source>Remove data box</source>
        <translation>Odebrat datovou schránku</translation>
    </message>
    <message>
        <source>Remove the data box „%1“ from this application? The archived messages stay in the data folder.</source>
        <translation>Odebrat datovou schránku „%1“ z aplikace? Archivované zprávy zůstanou v datové složce.</translation>
    </message>
    <message>
        <source>Open ZFO file</source>
        <translation>Otevřít soubor ZFO</translation>
    </message>
    <message>
        <source>Signed data messages (*.zfo);;All (*)</source>
        <translation>Podepsané datové zprávy (*.zfo);;Vše (*)</translation>
    </message>
    <message>
        <source>Import ZFO files</source>
        <translation>Importovat soubory ZFO</translation>
    </message>
    <message>
        <source>Signed data messages (*.zfo)</source>
        <translation>Podepsané datové zprávy (*.zfo)</translation>
    </message>
    <message>
        <source>Imported: %1, already present: %2, failed: %3</source>
        <translation>Importováno: %1, již v archivu: %2, chybných: %3</translation>
    </message>
    <message>
        <source>%1: %2 Kept in quarantine, not archived as evidence.</source>
        <translation>%1: %2 Soubor je v karanténě, do archivu nebyl uložen jako důkaz.</translation>
    </message>
    <message>
        <source>%1: another copy of this message is already the evidence — kept beside it as a conflicting copy</source>
        <translation>%1: důkazem této zprávy je již jiná kopie — soubor je uložen vedle ní jako kopie v rozporu</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>Some files were not archived as evidence. The messages are downloaded from ISDS at the next synchronization.</source>
        <translation>Některé soubory nebyly uloženy do archivu jako důkaz. Zprávy se stáhnou z ISDS při příští synchronizaci.</translation>
    </message>
    <message>
        <source>Check for updates</source>
        <translation>Zkontrolovat aktualizace</translation>
    </message>
    <message>
        <source>This copy does not update itself: it was not started from an installation (or it runs in training mode).</source>
        <translation>Tato kopie se neaktualizuje sama: není spuštěna z instalace (nebo běží ve cvičném režimu).</translation>
    </message>
    <message>
        <source>About DSO Desktop</source>
        <translation>O aplikaci DSO Desktop</translation>
    </message>
    <message>
        <source>DSO Desktop %1
A client for the Czech data-box system (ISDS).</source>
        <translation>DSO Desktop %1
Klient informačního systému datových schránek (ISDS).</translation>
    </message>
    <message>
        <source>DSO Desktop keeps running</source>
        <translation>DSO Desktop běží dál</translation>
    </message>
    <message>
        <source>Synchronization goes on in the background. Quit from the icon&apos;s menu.</source>
        <translation>Synchronizace pokračuje na pozadí. Aplikaci ukončíte z nabídky ikony.</translation>
    </message>
    <message>
        <source>logging in</source>
        <translation>přihlašování</translation>
    </message>
    <message>
        <source>listing received messages</source>
        <translation>seznam přijatých zpráv</translation>
    </message>
    <message>
        <source>listing sent messages</source>
        <translation>seznam odeslaných zpráv</translation>
    </message>
    <message>
        <source>updating message states</source>
        <translation>aktualizace stavů zpráv</translation>
    </message>
    <message>
        <source>downloading messages</source>
        <translation>stahování zpráv</translation>
    </message>
    <message>
        <source>downloading delivery info</source>
        <translation>stahování doručenek</translation>
    </message>
    <message>
        <source>done</source>
        <translation>hotovo</translation>
    </message>
    <message>
        <source>&amp;Edit data box…</source>
        <translation>&amp;Upravit datovou schránku…</translation>
    </message>
    <message>
        <source>Change &amp;password…</source>
        <translation>Změnit &amp;heslo…</translation>
    </message>
    <message>
        <source>Password expired</source>
        <translation>Platnost hesla vypršela</translation>
    </message>
    <message>
        <source>The password of the data box „%1“ has expired. Change it now?</source>
        <translation>Platnost hesla k datové schránce „%1“ vypršela. Změnit heslo nyní?</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>Změnit heslo…</translation>
    </message>
    <message>
        <source>Data box</source>
        <translation>Datová schránka</translation>
    </message>
    <message>
        <source>&amp;Back up now…</source>
        <translation>&amp;Zálohovat nyní…</translation>
    </message>
    <message>
        <source>&amp;Transfer to another computer…</source>
        <translation>&amp;Přenést na jiný počítač…</translation>
    </message>
    <message>
        <source>&amp;Restore from a backup…</source>
        <translation>&amp;Obnovit ze zálohy…</translation>
    </message>
    <message>
        <source>Move over from &amp;Datovka…</source>
        <translation>Převést z &amp;Datovky…</translation>
    </message>
    <message>
        <source>&amp;Backup</source>
        <translation>&amp;Zálohy</translation>
    </message>
    <message>
        <source>Restore from a backup</source>
        <translation>Obnovit ze zálohy</translation>
    </message>
    <message>
        <source>Wait until the synchronization ends.</source>
        <translation>Počkejte, až skončí synchronizace.</translation>
    </message>
    <message>
        <source>User &amp;manual</source>
        <translation>&amp;Příručka</translation>
    </message>
    <message>
        <source>&amp;Restamp expiring messages…</source>
        <translation>&amp;Obnovit razítka končících zpráv…</translation>
    </message>
    <message>
        <source>Renew the evidence of every message whose signature or timestamp stops being verifiable soon</source>
        <translation>Obnovit důkaz u všech zpráv, jejichž pečeť nebo časové razítko brzy přestane být ověřitelné</translation>
    </message>
    <message>
        <source>Restamp</source>
        <translation>Obnovit razítko</translation>
    </message>
    <message>
        <source>The evidence of message %1 stops being verifiable soon. Renew it now (ISDS re-seals it; the original stays as it is)?</source>
        <translation>Zprávu %1 brzy nepůjde ověřit. Obnovit nyní její razítko (ISDS ji znovu zapečetí; originál zůstane beze změny)?</translation>
    </message>
    <message>
        <source>Restamping</source>
        <translation>Obnovení razítek</translation>
    </message>
    <message>
        <source>No message needs restamping now.</source>
        <translation>Žádná zpráva nyní obnovení razítka nepotřebuje.</translation>
    </message>
</context>
<context>
    <name>MessageListModel</name>
    <message>
        <source>Verification of the signature</source>
        <translation>Ověření podpisu</translation>
    </message>
    <message>
        <source>Handed over to records management</source>
        <translation>Předáno do spisové služby</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Předmět</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Adresát</translation>
    </message>
    <message>
        <source>Sender</source>
        <translation>Odesílatel</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Dodáno</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Doručeno</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Stav</translation>
    </message>
    <message>
        <source>Att.</source>
        <translation>Příl.</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Štítky</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>Spisová služba</translation>
    </message>
    <message>
        <source>Not handed over to records management yet</source>
        <translation>Dosud nepředáno do spisové služby</translation>
    </message>
    <message>
        <source>handed over</source>
        <translation>předáno</translation>
    </message>
    <message>
        <source>not handed over</source>
        <translation>nepředáno</translation>
    </message>
</context>
<context>
    <name>MobileKeyDialog</name>
    <message>
        <source>Mobile key</source>
        <translation>Mobilní klíč</translation>
    </message>
    <message>
        <source>Approve the login to the data box „%1“ in the Mobile key application on your phone.</source>
        <translation>Schvalte přihlášení do datové schránky „%1“ v aplikaci Mobilní klíč ve svém telefonu.</translation>
    </message>
    <message>
        <source>Waiting for approval…</source>
        <translation>Čekám na schválení…</translation>
    </message>
    <message>
        <source>Mobile key state</source>
        <translation>Stav Mobilního klíče</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Čekání</translation>
    </message>
    <message>
        <source>Approved, logging in…</source>
        <translation>Schváleno, přihlašuji…</translation>
    </message>
    <message>
        <source>The request expired.</source>
        <translation>Požadavek vypršel.</translation>
    </message>
</context>
<context>
    <name>OverviewDialog</name>
    <message>
        <source>Correspondence overview</source>
        <translation>Přehled korespondence</translation>
    </message>
    <message>
        <source>All data boxes</source>
        <translation>Všechny datové schránky</translation>
    </message>
    <message>
        <source>Received and sent</source>
        <translation>Přijaté i odeslané</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Přijaté</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Odeslané</translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation>&amp;Od:</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation>&amp;Do:</translation>
    </message>
    <message>
        <source>&amp;Data box:</source>
        <translation>&amp;Datová schránka:</translation>
    </message>
    <message>
        <source>D&amp;irection:</source>
        <translation>&amp;Směr:</translation>
    </message>
    <message>
        <source>F&amp;ormat:</source>
        <translation>&amp;Formát:</translation>
    </message>
    <message>
        <source>&amp;Save overview…</source>
        <translation>&amp;Uložit přehled…</translation>
    </message>
    <message>
        <source>The period ends before it starts.</source>
        <translation>Období končí dřív, než začíná.</translation>
    </message>
    <message>
        <source>Save overview</source>
        <translation>Uložit přehled</translation>
    </message>
    <message>
        <source>Saved %1 (%2 messages).</source>
        <translation>Uloženo %1 (zpráv: %2).</translation>
    </message>
    <message>
        <source>Making the overview…</source>
        <translation>Vytváří se přehled…</translation>
    </message>
</context>
<context>
    <name>Paper</name>
    <message>
        <source>Print preview</source>
        <translation>Náhled tisku</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Change password – %1</source>
        <translation>Změna hesla – %1</translation>
    </message>
    <message>
        <source>The password of this data box has expired. Choose a new one.</source>
        <translation>Platnost hesla k této datové schránce vypršela. Zvolte nové heslo.</translation>
    </message>
    <message>
        <source>The new password is set in ISDS; the saved password is replaced only after ISDS accepts it.</source>
        <translation>Nové heslo se nastaví v ISDS; uložené heslo se nahradí, až když je ISDS přijme.</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Současné heslo</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Nové heslo</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>Nové heslo znovu</translation>
    </message>
    <message>
        <source>ISDS rules: 8 to 32 characters, letters and digits, not the user name, not the old password.</source>
        <translation>Pravidla ISDS: 8 až 32 znaků, písmena i číslice, ne uživatelské jméno, ne dosavadní heslo.</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Výsledek</translation>
    </message>
    <message>
        <source>Current password:</source>
        <translation>Současné heslo:</translation>
    </message>
    <message>
        <source>New password:</source>
        <translation>Nové heslo:</translation>
    </message>
    <message>
        <source>New password again:</source>
        <translation>Nové heslo znovu:</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Změnit heslo</translation>
    </message>
    <message>
        <source>This login method has no password the application can change.</source>
        <translation>U tohoto způsobu přihlášení nemůže aplikace heslo změnit.</translation>
    </message>
    <message>
        <source>Enter the current password.</source>
        <translation>Zadejte současné heslo.</translation>
    </message>
    <message>
        <source>Enter the new password.</source>
        <translation>Zadejte nové heslo.</translation>
    </message>
    <message>
        <source>The new password and its repetition differ.</source>
        <translation>Nové heslo a jeho zopakování se liší.</translation>
    </message>
    <message>
        <source>The new password must differ from the current one.</source>
        <translation>Nové heslo se musí lišit od současného.</translation>
    </message>
    <message>
        <source>The password was changed.</source>
        <translation>Heslo bylo změněno.</translation>
    </message>
    <message>
        <source>Changing the password in ISDS…</source>
        <translation>Heslo se mění v ISDS…</translation>
    </message>
    <message>
        <source>Security code</source>
        <translation>Bezpečnostní kód</translation>
    </message>
    <message>
        <source>Enter the security code you received by SMS or see in the authenticator:</source>
        <translation>Zadejte bezpečnostní kód, který vám přišel SMS, nebo kód z autentizační aplikace:</translation>
    </message>
</context>
<context>
    <name>PdzPanel</name>
    <message>
        <source>Payment of the commercial message</source>
        <translation>Platba poštovní datové zprávy</translation>
    </message>
    <message>
        <source>Asking ISDS how the commercial message can be paid…</source>
        <translation>Zjišťuje se v ISDS, jak lze poštovní datovou zprávu zaplatit…</translation>
    </message>
    <message>
        <source>The payment options could not be read: %1</source>
        <translation>Způsoby platby se nepodařilo zjistit: %1</translation>
    </message>
    <message>
        <source>paid from the credit</source>
        <translation>z kreditu</translation>
    </message>
    <message>
        <source>under a contract</source>
        <translation>na smlouvu</translation>
    </message>
    <message>
        <source>globally subsidised</source>
        <translation>globálně dotovaná</translation>
    </message>
    <message>
        <source>subsidised (limited)</source>
        <translation>omezeně dotovaná</translation>
    </message>
    <message>
        <source>subsidised by another box</source>
        <translation>dotovaná jinou schránkou</translation>
    </message>
    <message>
        <source>Credit: %1 CZK</source>
        <translation>Kredit: %1 Kč</translation>
    </message>
    <message>
        <source>Prepaid reply to %1 (their reference %2), until %3</source>
        <translation>Předplacená odpověď pro %1 (jejich č. j. %2), do %3</translation>
    </message>
    <message>
        <source> (%1 messages)</source>
        <translation> (%1 zpráv)</translation>
    </message>
    <message>
        <source>Payment: %1</source>
        <translation>Platba: %1</translation>
    </message>
    <message>
        <source>No prepaid reply is open for this recipient and their reference number (it was used or has expired). Choose another message type.</source>
        <translation>Žádná předplacená odpověď pro tohoto adresáta a jeho číslo jednací není otevřená (byla použita nebo vypršela). Zvolte jiný typ zprávy.</translation>
    </message>
    <message>
        <source>This reply uses the prepaid reply; the other side pays for it.</source>
        <translation>Tato odpověď využije předplacenou odpověď; zaplatí ji druhá strana.</translation>
    </message>
    <message>
        <source>This data box cannot pay for commercial messages.</source>
        <translation>Tato datová schránka nemůže platit poštovní datové zprávy.</translation>
    </message>
</context>
<context>
    <name>Remedies</name>
    <message>
        <source>Restamped %1 of %2 messages.</source>
        <translation>Obnoveno razítko u %1 z %2 zpráv.</translation>
    </message>
    <message>
        <source>original</source>
        <translation>originál</translation>
    </message>
    <message>
        <source>verifies</source>
        <translation>ověřeno</translation>
    </message>
    <message>
        <source>does not verify</source>
        <translation>nelze ověřit</translation>
    </message>
    <message>
        <source>(verifiable until %1)</source>
        <translation>(ověřitelné do %1)</translation>
    </message>
    <message>
        <source>Version %1 – %2: %3</source>
        <translation>Verze %1 – %2: %3</translation>
    </message>
    <message>
        <source>authentic</source>
        <translation>autentická</translation>
    </message>
    <message>
        <source>NOT authentic</source>
        <translation>NENÍ autentická</translation>
    </message>
    <message>
        <source>ISDS check of version %1 on %2: %3</source>
        <translation>Ověření verze %1 v ISDS %2: %3</translation>
    </message>
    <message>
        <source>Renewing the evidence of the messages…</source>
        <translation>Obnovuji důkazy zpráv…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Zrušit</translation>
    </message>
    <message>
        <source>Restamping</source>
        <translation>Obnovení razítek</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>Restore from a backup</source>
        <translation>Obnovit ze zálohy</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Soubor zálohy</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vybrat…</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Heslo zálohy</translation>
    </message>
    <message>
        <source>Replace the current archive (it is kept aside in the data folder)</source>
        <translation>Nahradit současný archiv (zůstane uložen stranou v datové složce)</translation>
    </message>
    <message>
        <source>Backup file:</source>
        <translation>Soubor zálohy:</translation>
    </message>
    <message>
        <source>Passphrase (if it has one):</source>
        <translation>Heslo zálohy (má-li nějaké):</translation>
    </message>
    <message>
        <source>Choose the backup file.</source>
        <translation>Vyberte soubor zálohy.</translation>
    </message>
    <message>
        <source>Confirm that the current archive is to be replaced.</source>
        <translation>Potvrďte, že se má současný archiv nahradit.</translation>
    </message>
    <message>
        <source>Restored: {n} messages, {a} data boxes, {s} saved passwords.</source>
        <translation>Obnoveno: zpráv {n}, datových schránek {a}, uložených hesel {s}.</translation>
    </message>
    <message>
        <source>The check of the restored archive found problems; see File → Check archive.</source>
        <translation>Kontrola obnoveného archivu našla problémy; viz Soubor → Zkontrolovat archiv.</translation>
    </message>
</context>
<context>
    <name>SearchDialog</name>
    <message>
        <source>Full-text search</source>
        <translation>Fulltextové hledání</translation>
    </message>
    <message>
        <source>Search text</source>
        <translation>Hledaný text</translation>
    </message>
    <message>
        <source>Words from the subject, parties, reference numbers or attachments</source>
        <translation>Slova z předmětu, odesílatele, adresáta, čísel jednacích nebo příloh</translation>
    </message>
    <message>
        <source>Data box</source>
        <translation>Datová schránka</translation>
    </message>
    <message>
        <source>All data boxes</source>
        <translation>Všechny datové schránky</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Hledat</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Výsledky hledání</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Předmět</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Dodáno</translation>
    </message>
    <message>
        <source>Found: %1</source>
        <translation>Nalezeno: %1</translation>
    </message>
    <message>
        <source>Sender / recipient</source>
        <translation>Odesílatel / adresát</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Nenalezeno</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Nastavení</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Jazyk</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Datová složka</translation>
    </message>
    <message>
        <source>(default)</source>
        <translation>(výchozí)</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vybrat…</translation>
    </message>
    <message>
        <source>Choose the data folder</source>
        <translation>Vybrat datovou složku</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>off</source>
        <translation>vypnuto</translation>
    </message>
    <message>
        <source>Automatic synchronization interval</source>
        <translation>Interval automatické synchronizace</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Extra trust anchors</source>
        <translation>Další kořenové certifikáty</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Přidat…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Odebrat</translation>
    </message>
    <message>
        <source>Download the official certificates of ISDS authorities when needed</source>
        <translation>V případě potřeby stáhnout oficiální certifikáty autorit ISDS</translation>
    </message>
    <message>
        <source>Check for new versions of the application</source>
        <translation>Kontrolovat nové verze aplikace</translation>
    </message>
    <message>
        <source>Update status</source>
        <translation>Stav aktualizací</translation>
    </message>
    <message>
        <source>Check for updates</source>
        <translation>Zkontrolovat aktualizace</translation>
    </message>
    <message>
        <source>Check for updates now</source>
        <translation>Zkontrolovat aktualizace hned</translation>
    </message>
    <message>
        <source>Timestamp warning days</source>
        <translation>Dny upozornění na časové razítko</translation>
    </message>
    <message>
        <source>Deletion warning days</source>
        <translation>Dny upozornění na smazání</translation>
    </message>
    <message>
        <source>Password warning days</source>
        <translation>Dny upozornění na heslo</translation>
    </message>
    <message>
        <source> days</source>
        <translation> dní</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Jazyk:</translation>
    </message>
    <message>
        <source>Data folder:</source>
        <translation>Datová složka:</translation>
    </message>
    <message>
        <source>A new data folder is used after the application restarts.</source>
        <translation>Nová datová složka se použije po restartu aplikace.</translation>
    </message>
    <message>
        <source>Synchronize automatically every:</source>
        <translation>Automaticky synchronizovat každých:</translation>
    </message>
    <message>
        <source>Off by default: the application logs in only when you ask it to.</source>
        <translation>Ve výchozím stavu vypnuto: aplikace se přihlašuje, jen když o to požádáte.</translation>
    </message>
    <message>
        <source>Proxy:</source>
        <translation>Proxy:</translation>
    </message>
    <message>
        <source>Extra trust anchors:</source>
        <translation>Další kořenové certifikáty:</translation>
    </message>
    <message>
        <source>Updates:</source>
        <translation>Aktualizace:</translation>
    </message>
    <message>
        <source>Warn before timestamp expiry:</source>
        <translation>Upozornit před vypršením časového razítka:</translation>
    </message>
    <message>
        <source>Warn before deletion from ISDS:</source>
        <translation>Upozornit před smazáním z ISDS:</translation>
    </message>
    <message>
        <source>Warn before password expiry:</source>
        <translation>Upozornit před vypršením hesla:</translation>
    </message>
    <message>
        <source>This copy does not update itself: it was not started from an installation (or it runs in training mode).</source>
        <translation>Tato kopie se neaktualizuje sama: není spuštěna z instalace (nebo běží ve cvičném režimu).</translation>
    </message>
    <message>
        <source>Updates of this installation come from your IT department; it does not update itself.</source>
        <translation>Aktualizace této instalace zajišťuje IT oddělení; aplikace se sama neaktualizuje.</translation>
    </message>
    <message>
        <source>Update checks are turned off by the administrator.</source>
        <translation>Kontrolu aktualizací vypnul správce.</translation>
    </message>
    <message>
        <source>The last check failed: {cause}</source>
        <translation>Poslední kontrola se nezdařila: {cause}</translation>
    </message>
    <message>
        <source>Last checked {when}: version {v} is available.</source>
        <translation>Poslední kontrola {when}: je k dispozici verze {v}.</translation>
    </message>
    <message>
        <source>Last checked {when}: up to date.</source>
        <translation>Poslední kontrola {when}: aplikace je aktuální.</translation>
    </message>
    <message>
        <source>Not checked yet.</source>
        <translation>Zatím nezkontrolováno.</translation>
    </message>
    <message>
        <source>Trust anchors</source>
        <translation>Kořenové certifikáty</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer *.der)</source>
        <translation>Certifikáty (*.pem *.crt *.cer *.der)</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>denně</translation>
    </message>
    <message>
        <source>weekly</source>
        <translation>týdně</translation>
    </message>
    <message>
        <source>Scheduled backups</source>
        <translation>Pravidelné zálohování</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>Složka pro zálohy</translation>
    </message>
    <message>
        <source>Choose the backup folder</source>
        <translation>Vybrat složku pro zálohy</translation>
    </message>
    <message>
        <source>Backups to keep</source>
        <translation>Počet uchovávaných záloh</translation>
    </message>
    <message>
        <source>Back up automatically:</source>
        <translation>Zálohovat automaticky:</translation>
    </message>
    <message>
        <source>Backup folder:</source>
        <translation>Složka pro zálohy:</translation>
    </message>
    <message>
        <source>Keep the newest backups:</source>
        <translation>Uchovávat nejnovějších záloh:</translation>
    </message>
    <message>
        <source>Time-stamping authority address</source>
        <translation>Adresa autority časových razítek</translation>
    </message>
    <message>
        <source>Certificate authority of the time-stamping authority</source>
        <translation>Certifikační autorita autority časových razítek</translation>
    </message>
    <message>
        <source>Restamp days</source>
        <translation>Dny pro obnovení razítek</translation>
    </message>
    <message>
        <source>Undelivered warning days</source>
        <translation>Dny do upozornění na nedodanou zprávu</translation>
    </message>
    <message>
        <source>Restamp evidence that expires within:</source>
        <translation>Obnovit razítka důkazů, které vyprší do:</translation>
    </message>
    <message>
        <source>Warn about sent messages not delivered after:</source>
        <translation>Upozornit na odeslané zprávy nedodané po:</translation>
    </message>
    <message>
        <source>Time-stamping authority (RFC 3161):</source>
        <translation>Autorita časových razítek (RFC 3161):</translation>
    </message>
    <message>
        <source>Its certificate authority (file):</source>
        <translation>Její certifikační autorita (soubor):</translation>
    </message>
</context>
<context>
    <name>StoreSettings</name>
    <message>
        <source>Archive database</source>
        <translation>Databáze archivu</translation>
    </message>
    <message>
        <source>(local file on this computer)</source>
        <translation>(místní soubor v tomto počítači)</translation>
    </message>
    <message>
        <source>Archive database address</source>
        <translation>Adresa databáze archivu</translation>
    </message>
    <message>
        <source>(from the keyring or the password file)</source>
        <translation>(z klíčenky nebo ze souboru hesel)</translation>
    </message>
    <message>
        <source>Archive database password</source>
        <translation>Heslo k databázi archivu</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Vyzkoušet připojení</translation>
    </message>
    <message>
        <source>Test the connection to the archive database</source>
        <translation>Vyzkoušet připojení k databázi archivu</translation>
    </message>
    <message>
        <source>Connection test result</source>
        <translation>Výsledek zkoušky připojení</translation>
    </message>
    <message>
        <source>A shared archive of the office (PostgreSQL). Leave empty for the local archive. A change applies after a restart.</source>
        <translation>Společný archiv úřadu (PostgreSQL). Pro místní archiv nechte prázdné. Změna se projeví po novém spuštění.</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresa:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Heslo:</translation>
    </message>
    <message>
        <source>The local archive on this computer is used.</source>
        <translation>Používá se místní archiv v tomto počítači.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Připojuji…</translation>
    </message>
    <message>
        <source>empty, it will be created</source>
        <translation>prázdný, bude vytvořen</translation>
    </message>
    <message>
        <source>Connected to {db} as {user} (PostgreSQL {v}); archive: {schema}.</source>
        <translation>Připojeno k {db} jako {user} (PostgreSQL {v}); archiv: {schema}.</translation>
    </message>
    <message>
        <source>The connection failed.</source>
        <translation>Připojení se nezdařilo.</translation>
    </message>
</context>
<context>
    <name>Sync</name>
    <message>
        <source>Delivery by login</source>
        <translation>Doručení přihlášením</translation>
    </message>
    <message>
        <source>Downloading received messages of the box „%1“ counts as logging in: every delivered message becomes ACCEPTED (doručena přihlášením) with legal effect, for example the start of deadlines.</source>
        <translation>Stažení přijatých zpráv schránky „%1“ se počítá jako přihlášení: každá dodaná zpráva se stane DORUČENOU (doručena přihlášením) s právními účinky, například začnou běžet lhůty.</translation>
    </message>
    <message>
        <source>Choose „Do not accept“ to download only sent messages now; received messages then stay unaccepted until you decide otherwise.</source>
        <translation>Zvolte „Nedoručovat“, chcete-li nyní stáhnout jen odeslané zprávy; přijaté zprávy pak zůstanou nedoručené, dokud se nerozhodnete jinak.</translation>
    </message>
    <message>
        <source>Accept and download</source>
        <translation>Doručit a stáhnout</translation>
    </message>
    <message>
        <source>Do not accept</source>
        <translation>Nedoručovat</translation>
    </message>
</context>
<context>
    <name>SyncController</name>
    <message>
        <source>Password</source>
        <translation>Heslo</translation>
    </message>
    <message>
        <source>Password for the data box „%1“ (kept only until you quit):</source>
        <translation>Heslo k datové schránce „%1“ (pamatuje se jen do ukončení aplikace):</translation>
    </message>
    <message>
        <source>Security code</source>
        <translation>Bezpečnostní kód</translation>
    </message>
    <message>
        <source>Enter the security code (SMS or authenticator) for „%1“:</source>
        <translation>Zadejte bezpečnostní kód (SMS nebo autentizační aplikace) pro „%1“:</translation>
    </message>
</context>
<context>
    <name>TagsDialog</name>
    <message>
        <source>Tags</source>
        <translation>Štítky</translation>
    </message>
    <message>
        <source>New tag name</source>
        <translation>Název nového štítku</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>Barva…</translation>
    </message>
    <message>
        <source>Tag colour</source>
        <translation>Barva štítku</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>&amp;Vytvořit</translation>
    </message>
    <message>
        <source>&amp;Apply to selected messages</source>
        <translation>&amp;Použít na vybrané zprávy</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Zavřít</translation>
    </message>
    <message>
        <source>Selected messages: %1</source>
        <translation>Vybraných zpráv: %1</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Open DSO Desktop</source>
        <translation>Otevřít DSO Desktop</translation>
    </message>
    <message>
        <source>Synchronize all</source>
        <translation>Synchronizovat vše</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Ukončit</translation>
    </message>
</context>
<context>
    <name>TraySettingsBox</name>
    <message>
        <source>Background work</source>
        <translation>Práce na pozadí</translation>
    </message>
    <message>
        <source>Synchronize all data boxes after start</source>
        <translation>Po spuštění synchronizovat všechny datové schránky</translation>
    </message>
    <message>
        <source>Closing the window keeps the application running in the system tray (with automatic synchronization on)</source>
        <translation>Po zavření okna nechat aplikaci běžet v oznamovací oblasti (při zapnuté automatické synchronizaci)</translation>
    </message>
    <message>
        <source>Keep running in the system tray</source>
        <translation>Běžet dál v oznamovací oblasti</translation>
    </message>
    <message>
        <source>This desktop has no system tray: closing the window quits the application, and automatic synchronization stops with it.</source>
        <translation>Toto prostředí nemá oznamovací oblast: zavřením okna se aplikace ukončí a automatická synchronizace se zastaví.</translation>
    </message>
    <message>
        <source>No system tray</source>
        <translation>Bez oznamovací oblasti</translation>
    </message>
</context>
<context>
    <name>UpdateController</name>
    <message>
        <source>Update</source>
        <translation>Aktualizace</translation>
    </message>
    <message>
        <source>Check for updates</source>
        <translation>Zkontrolovat aktualizace</translation>
    </message>
    <message>
        <source>A check is already running.</source>
        <translation>Kontrola už probíhá.</translation>
    </message>
    <message>
        <source>Version {v} is available, but it failed on this computer before and is not installed again. Wait for a newer version.</source>
        <translation>Je k dispozici verze {v}, ale na tomto počítači se již jednou nespustila správně, a proto se znovu neinstaluje. Počkejte na novější verzi.</translation>
    </message>
    <message>
        <source>DSO Desktop {v} is up to date.</source>
        <translation>DSO Desktop {v} je aktuální.</translation>
    </message>
    <message>
        <source>Downloading version {v}…</source>
        <translation>Stahuji verzi {v}…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Zrušit</translation>
    </message>
    <message>
        <source>Version {v} is ready. It will be used the next time you start DSO Desktop.</source>
        <translation>Verze {v} je připravena. Použije se při příštím spuštění aplikace DSO Desktop.</translation>
    </message>
    <message>
        <source>The update failed.</source>
        <translation>Aktualizace se nezdařila.</translation>
    </message>
</context>
<context>
    <name>UpdateDialog</name>
    <message>
        <source>New version of DSO Desktop</source>
        <translation>Nová verze aplikace DSO Desktop</translation>
    </message>
    <message>
        <source>Version {new} is available (you have {current}, download {size:.1f} MB).</source>
        <translation>Je k dispozici verze {new} (máte {current}, stažení {size:.1f} MB).</translation>
    </message>
    <message>
        <source>Release notes</source>
        <translation>Poznámky k vydání</translation>
    </message>
    <message>
        <source>The new version is verified before it is installed and is used from the next start; your messages and settings are not touched.</source>
        <translation>Nová verze se před instalací ověří a použije se od příštího spuštění; vašich zpráv ani nastavení se nedotkne.</translation>
    </message>
    <message>
        <source>&amp;Install now</source>
        <translation>&amp;Nainstalovat nyní</translation>
    </message>
    <message>
        <source>&amp;Remind me later</source>
        <translation>&amp;Připomenout později</translation>
    </message>
    <message>
        <source>&amp;Skip this version</source>
        <translation>Pře&amp;skočit tuto verzi</translation>
    </message>
</context>
<context>
    <name>Warnings</name>
    <message>
        <source>Updates</source>
        <translation>Aktualizace</translation>
    </message>
</context>
<context>
    <name>ZfoViewer</name>
    <message>
        <source>Signed data message — %1</source>
        <translation>Podepsaná datová zpráva — %1</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>Otevírám…</translation>
    </message>
    <message>
        <source>Verification result</source>
        <translation>Výsledek ověření</translation>
    </message>
    <message>
        <source>Envelope</source>
        <translation>Obálka</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Přílohy</translation>
    </message>
    <message>
        <source>Import into data box</source>
        <translation>Importovat do datové schránky</translation>
    </message>
    <message>
        <source>(by the data box in the message)</source>
        <translation>(podle datové schránky ve zprávě)</translation>
    </message>
    <message>
        <source>&amp;Import into archive</source>
        <translation>&amp;Importovat do archivu</translation>
    </message>
    <message>
        <source>Save &amp;attachments…</source>
        <translation>Uložit &amp;přílohy…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Zavřít</translation>
    </message>
    <message>
        <source>Data box:</source>
        <translation>Datová schránka:</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>Přílohy:</translation>
    </message>
    <message>
        <source>Received data message</source>
        <translation>Přijatá datová zpráva</translation>
    </message>
    <message>
        <source>Sent data message</source>
        <translation>Odeslaná datová zpráva</translation>
    </message>
    <message>
        <source>Delivery info (doručenka)</source>
        <translation>Doručenka</translation>
    </message>
    <message>
        <source>Message ID</source>
        <translation>ID zprávy</translation>
    </message>
    <message>
        <source>Sender</source>
        <translation>Odesílatel</translation>
    </message>
    <message>
        <source>Sender&apos;s data box</source>
        <translation>Datová schránka odesílatele</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Adresát</translation>
    </message>
    <message>
        <source>Recipient&apos;s data box</source>
        <translation>Datová schránka adresáta</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Dodáno</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Doručeno</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>Podepsáno</translation>
    </message>
    <message>
        <source>Timestamp valid until</source>
        <translation>Časové razítko platí do</translation>
    </message>
    <message>
        <source>In the archive</source>
        <translation>V archivu</translation>
    </message>
    <message>
        <source>yes, already stored</source>
        <translation>ano, již uložena</translation>
    </message>
    <message>
        <source>Delivery events</source>
        <translation>Události doručení</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>importováno</translation>
    </message>
    <message>
        <source>Not imported as evidence: %1 The file is kept in quarantine.</source>
        <translation>Neuloženo jako důkaz: %1 Soubor je uložen v karanténě.</translation>
    </message>
    <message>
        <source>Not imported: %1</source>
        <translation>Neimportováno: %1</translation>
    </message>
    <message>
        <source>Save attachments to</source>
        <translation>Uložit přílohy do</translation>
    </message>
</context>
</TS>
