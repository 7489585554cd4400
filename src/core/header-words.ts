/**
 * The vocabulary of column headers, in the languages lead files come in (English, German, French, Spanish,
 * Portuguese, Italian, Dutch), and the parsing of a header's structure: owner prefixes ("Billing City"),
 * numbered groups ("Address 2 - City"), line numbers ("Street2"), technical suffixes ("Zip (s.cp)") and
 * form questions ("What is your email?"). Words are compared accent-folded and lowercased, so "Prénom",
 * "prenom" and "PRENOM" are one word.
 */

/**
 * Phrases (words separated by spaces, accent-folded) that name each standard field on their own. Vendor
 * spellings that differ only in punctuation or case need no entry: "E-mail", "EmailID", "zip_code" are
 * tokenised first.
 */
export const FIELD_PHRASES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  first_name: [
    'first name',
    'firstname',
    'fname',
    'first',
    'given name',
    'givenname',
    'forename',
    'christian name',
    'vorname',
    'rufname',
    'prenom',
    'nombre',
    'nombres',
    'primer nombre',
    'primeiro nome',
    'nome proprio',
    'nome',
    'nome di battesimo',
    'voornaam',
    'roepnaam',
  ],
  last_name: [
    'last name',
    'lastname',
    'lname',
    'last',
    'surname',
    'family name',
    'familyname',
    'nachname',
    'familienname',
    'zuname',
    'nom',
    'nom de famille',
    'apellido',
    'apellidos',
    'primer apellido',
    'sobrenome',
    'apelido',
    'ultimo nome',
    'cognome',
    'achternaam',
    'familienaam',
  ],
  full_name: [
    'name',
    'full name',
    'fullname',
    'complete name',
    'your name',
    'display name',
    'nom complet',
    'nom et prenom',
    'nom prenom',
    'prenom et nom',
    'prenom nom',
    'nombre completo',
    'nombre y apellidos',
    'nome completo',
    'nome e cognome',
    'naam',
    'volledige naam',
    'vollstandiger name',
    'vollstaendiger name',
    'name vorname',
    'vorname name',
    'vorname nachname',
  ],
  email: [
    'email',
    'mail',
    'email address',
    'emailaddress',
    'emailadresse',
    'email adresse',
    'courriel',
    'adresse email',
    'adresse mail',
    'adresse courriel',
    'adresse electronique',
    'correo',
    'correo electronico',
    'email id',
    'emailid',
    'endereco de email',
    'endereco email',
    'posta elettronica',
    'indirizzo email',
    'emailadres',
    'mailadres',
    'email adres',
  ],
  phone_1: [
    'phone',
    'phone number',
    'phonenumber',
    'phone no',
    'telephone',
    'telephone number',
    'tel',
    'tel no',
    'tel number',
    'mobile',
    'mobile phone',
    'mobile number',
    'mobile no',
    'mobilephone',
    'cell',
    'cell phone',
    'cellphone',
    'cell number',
    'cellular',
    'contact number',
    'msisdn',
    'telefon',
    'telefonnummer',
    'telefon nr',
    'tel nr',
    'handy',
    'handynummer',
    'mobil',
    'mobiltelefon',
    'mobilnummer',
    'festnetz',
    'portable',
    'numero de telephone',
    'numero telephone',
    'telephone portable',
    'tel portable',
    'telefono',
    'numero de telefono',
    'movil',
    'telefono movil',
    'celular',
    'telefone',
    'numero de telefone',
    'telemovel',
    'numero di telefono',
    'cellulare',
    'telefoonnummer',
    'telefoon',
    'mobiel',
    'mobiel nummer',
    'gsm',
  ],
  phone_2: ['evening phone'],
  address_1: [
    'address',
    'street',
    'street address',
    'address line',
    'addr',
    'postal address',
    'mailing address',
    'adresse',
    'strasse',
    'strasse und hausnummer',
    'strasse nr',
    'anschrift',
    'rue',
    'adresse postale',
    'direccion',
    'calle',
    'domicilio',
    'direccion postal',
    'endereco',
    'rua',
    'logradouro',
    'morada',
    'indirizzo',
    'via',
    'adres',
    'straat',
    'straatnaam',
    'straat en huisnummer',
  ],
  address_2: [
    'apt',
    'suite',
    'unit',
    'apartment',
    'apt suite',
    'suite apt',
    'extended address',
    'adresszusatz',
    'complement d adresse',
    'complement adresse',
    'complemento',
    'toevoeging',
  ],
  city: [
    'city',
    'town',
    'locality',
    'suburb',
    'city town',
    'town city',
    'ort',
    'stadt',
    'wohnort',
    'ville',
    'commune',
    'ciudad',
    'localidad',
    'municipio',
    'poblacion',
    'cidade',
    'localidade',
    'concelho',
    'citta',
    'comune',
    'localita',
    'plaats',
    'woonplaats',
    'stad',
  ],
  state: [
    'state',
    'region',
    'province',
    'state province',
    'province state',
    'state region',
    'region state',
    'state or province',
    'territory',
    'prefecture',
    'bundesland',
    'kanton',
    'provincia',
    'estado',
    'comunidad',
    'regione',
    'provincie',
    'uf',
  ],
  postal_code: [
    'postal code',
    'postcode',
    'post code',
    'zip',
    'zip code',
    'zipcode',
    'postal',
    'zip postal code',
    'postal zip code',
    'postal code zip code',
    'zip code postal code',
    'zip postal',
    'postal zip',
    'plz',
    'postleitzahl',
    'code postal',
    'cp',
    'codigo postal',
    'cod postal',
    'cep',
    'codigo',
    'codice postale',
    'cap',
    'postcode',
    'postnummer',
  ],
  country: ['country', 'country region', 'nation', 'country name', 'land', 'pays', 'pais', 'paese', 'nazione', 'nacao'],
  dob: [
    'dob',
    'd o b',
    'date of birth',
    'birth date',
    'birthdate',
    'birthday',
    'date birth',
    'born',
    'geburtsdatum',
    'geburtstag',
    'geb datum',
    'date de naissance',
    'date naissance',
    'naissance',
    'fecha de nacimiento',
    'fecha nacimiento',
    'cumpleanos',
    'data de nascimento',
    'data nascimento',
    'nascimento',
    'data di nascita',
    'data nascita',
    'geboortedatum',
  ],
  company: [
    'company',
    'company name',
    'companyname',
    'organization',
    'organisation',
    'organization name',
    'organisation name',
    'business name',
    'employer',
    'account name',
    'org',
    'firma',
    'firmenname',
    'unternehmen',
    'arbeitgeber',
    'societe',
    'entreprise',
    'raison sociale',
    'nom de l entreprise',
    'nom entreprise',
    'empresa',
    'compania',
    'nombre de la empresa',
    'nombre empresa',
    'nome da empresa',
    'nome empresa',
    'azienda',
    'societa',
    'ragione sociale',
    'bedrijf',
    'bedrijfsnaam',
    'organisatie',
    'werkgever',
  ],
  job_title: [
    'job title',
    'jobtitle',
    'position',
    'job position',
    'role',
    'job role',
    'designation',
    'job function',
    'berufsbezeichnung',
    'beruf',
    'funktion',
    'stellung',
    'poste',
    'fonction',
    'intitule de poste',
    'profession',
    'cargo',
    'puesto',
    'ocupacion',
    'profesion',
    'funcao',
    'profissao',
    'ruolo',
    'mansione',
    'qualifica',
    'professione',
    'posizione',
    'functie',
    'functietitel',
    'beroep',
  ],
  website: [
    'website',
    'web site',
    'url',
    'website url',
    'homepage',
    'home page',
    'web page',
    'webpage',
    'web',
    'site',
    'site web',
    'site internet',
    'sitio web',
    'pagina web',
    'webseite',
    'internetseite',
    'internetadresse',
    'sito web',
    'sito',
    'webadres',
    'internet',
  ],
  ip_address: [
    'ip',
    'ip address',
    'ipaddress',
    'adresse ip',
    'ip adresse',
    'direccion ip',
    'endereco ip',
    'indirizzo ip',
    'ip adres',
  ],
  comments: [
    'comments',
    'comment',
    'notes',
    'note',
    'message',
    'remarks',
    'description',
    'bemerkung',
    'bemerkungen',
    'kommentar',
    'notiz',
    'notizen',
    'anmerkung',
    'anmerkungen',
    'nachricht',
    'commentaire',
    'commentaires',
    'remarque',
    'remarques',
    'comentario',
    'comentarios',
    'observaciones',
    'notas',
    'mensaje',
    'observacoes',
    'mensagem',
    'commento',
    'commenti',
    'messaggio',
    'opmerking',
    'opmerkingen',
    'notitie',
    'notities',
    'bericht',
  ],
  lead_id: ['lead id', 'leadid', 'leadgen id', 'lead identifier', 'external id', 'record id', 'reference', 'ref'],
});

/**
 * Phrases that name a field only in some files: "Title" is a job title in Salesforce and a salutation in
 * Outlook and Mautic, so it maps with a low confidence that any clearer column beats.
 */
export const AMBIGUOUS_PHRASES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  job_title: ['title', 'titel', 'titre', 'titulo', 'titolo', 'occupation'],
});

/**
 * Words that say whose or which of several a value is, without changing what it is: "Billing City" is a
 * city, "Person - Email - Work" an email, "phone_number_mobil" a phone, "URN:tel" a phone.
 */
export const OWNER_WORDS: ReadonlySet<string> = new Set([
  'billing',
  'bill',
  'invoice',
  'shipping',
  'ship',
  'to',
  'delivery',
  'home',
  'work',
  'business',
  'office',
  'default',
  'person',
  'primary',
  'main',
  'contact',
  'customer',
  'client',
  'lead',
  'mailing',
  'postal',
  'private',
  'personal',
  'physical',
  'residential',
  'current',
  'value',
  'other',
  'public',
  'urn',
  'mobile',
  'mobil',
  'cell',
  'handy',
  'landline',
  'daytime',
  'direct',
  'privat',
  'arbeit',
  'geschaftlich',
  'geschaeftlich',
  'dienstlich',
  'rechnung',
  'lieferung',
  'kunde',
  'travail',
  'domicile',
  'facturation',
  'livraison',
  'trabajo',
  'casa',
  'facturacion',
  'envio',
  'trabalho',
  'faturamento',
  'entrega',
  'lavoro',
  'fatturazione',
  'spedizione',
  'werk',
  'zakelijk',
  'prive',
  'thuis',
  'factuur',
  'principal',
  'principale',
  'haupt',
  'de',
  'du',
  'la',
  'le',
  'el',
  'do',
  'da',
  'di',
  'del',
  'des',
  'van',
  'der',
  'the',
]);

/** Owners that name the main one of several columns: "Primary Phone" beats "Home Phone". */
export const MAIN_OWNERS: ReadonlySet<string> = new Set([
  'primary',
  'main',
  'principal',
  'principale',
  'haupt',
  'default',
]);

/** Owners that make a column part of an address, so that a bare "Code" in "Billing Code" is its postal code. */
export const ADDRESS_OWNERS: ReadonlySet<string> = new Set([
  'billing',
  'bill',
  'invoice',
  'shipping',
  'ship',
  'delivery',
  'home',
  'work',
  'business',
  'office',
  'mailing',
  'postal',
  'rechnung',
  'lieferung',
  'facturation',
  'livraison',
  'facturacion',
  'envio',
  'faturamento',
  'entrega',
  'fatturazione',
  'spedizione',
  'factuur',
]);

/** Words that make a value the second of its kind: "Secondary Phone", "Alt Phone", "zweite Telefonnummer". */
export const SECOND_WORDS: ReadonlySet<string> = new Set([
  'second',
  'secondary',
  '2nd',
  'alternate',
  'alternative',
  'alt',
  'zweite',
  'zweites',
  'zweiter',
  'weitere',
  'segundo',
  'segunda',
  'secundario',
  'alternativo',
  'secondo',
  'seconda',
  'tweede',
  'deuxieme',
  'autre',
]);

/** Words of a question a form tool turns into a header: "What is your email?", "Best phone number to reach you". */
export const QUESTION_WORDS: ReadonlySet<string> = new Set([
  'what',
  'whats',
  's',
  'is',
  'are',
  'your',
  'you',
  'please',
  'enter',
  'provide',
  'best',
  'reach',
  'at',
  'can',
  'we',
  'which',
  'how',
  'may',
  'i',
  'my',
  'a',
  'an',
  'on',
  'votre',
  'vos',
  'quel',
  'quelle',
  'est',
  'ton',
  'ta',
  'su',
  'sus',
  'cual',
  'es',
  'tu',
  'qual',
  'seu',
  'sua',
  'o',
  'ihre',
  'ihr',
  'deine',
  'dein',
  'wie',
  'lautet',
  'ist',
  'uw',
  'je',
  'jouw',
  'wat',
  'il',
  'tuo',
  'tua',
  'vostro',
  'suo',
  'and',
  'also',
  'now',
  'lastly',
  'finally',
  'et',
  'und',
  'y',
  'e',
  'en',
  'ed',
]);

// Words that open a question or a request: "Best phone number to reach you", "Your email".
const QUESTION_LEADS = new Set([
  'what',
  'whats',
  'which',
  'how',
  'best',
  'please',
  'enter',
  'and',
  'also',
  'now',
  'your',
  'votre',
  'quel',
  'quelle',
  'cual',
  'qual',
  'wie',
  'wat',
  'ihre',
  'deine',
  'uw',
  'jouw',
  'su',
  'tu',
  'seu',
  'sua',
]);

/** Group nouns that a numbered group's member names follow: "Address 1 - City", "Organization 1 - Title". */
export const GROUP_WORDS: ReadonlySet<string> = new Set([
  'address',
  'addresses',
  'organization',
  'organisation',
  'org',
  'company',
  'adresse',
  'anschrift',
  'direccion',
  'endereco',
  'indirizzo',
  'adres',
]);

const FOLDED_LETTERS: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', þ: 'th' };

/** Lowercases and removes accents: "Straße" -> "strasse", "Téléphone" -> "telephone", "Città" -> "citta". */
export function foldAccents(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæœøđłþ]/g, (letter) => FOLDED_LETTERS[letter] ?? letter);
}

/**
 * Splits a header into accent-folded lowercase words, numbers apart: "EmailID" gives email, id;
 * "MobilePhone" mobile, phone; "Street2" street, 2; "E-mail 1 - Value" email, 1, value.
 */
export function headerTokens(header: string): string[] {
  return foldAccents(
    header
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .replace(/([A-Za-z])(\d)/g, '$1 $2'),
  )
    .replace(/\be[\s-]+mail/g, 'email')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A header taken apart: the words that name the field, and what the rest says about it. */
export interface ParsedHeader {
  /** The words left once owners, numbers and question words are removed. */
  readonly core: readonly string[];
  /** The words before owners were removed (numbers and question words removed). */
  readonly words: readonly string[];
  /** Owner words found ("billing", "home"). */
  readonly owners: readonly string[];
  /** 2 for a second line or value ("Street2", "Phone 2", "Secondary Phone"), 1 otherwise. */
  readonly ordinal: number;
  /** The number of a repeated group ("Address 2 - City": 2), 1 when none. */
  readonly group: number;
  /** The member named after a group ("Address 1 - City": city), when the header has that shape. */
  readonly member: readonly string[] | null;
}

// A trailing explanation or technical name: "Town (s.ville)", "Email (required)", "Phone (2)" (a repeat).
const TRAILING_PARENTHESES = /\s*[([][^()[\]]*[)\]]\s*$/;

/**
 * Parses a header's structure: strips a trailing parenthesis, a question, owner words and numbers, and
 * tells a numbered group ("E-mail 2 - Value", "Address 1 - City") from a line number ("Address Line 2").
 */
export function parseHeader(header: string): ParsedHeader {
  let text = header.trim();
  const repeat = /\((\d+)\)\s*$/.exec(text);
  while (TRAILING_PARENTHESES.test(text) && text.replace(TRAILING_PARENTHESES, '').trim() !== '')
    text = text.replace(TRAILING_PARENTHESES, '');
  const segments = text.split(/\s+[-–—]\s+|\s*:\s*/).filter((segment) => segment.trim() !== '');
  let group = 1;
  let member: string[] | null = null;
  // "Address 1 - City": a group noun with its number, then the member's own name.
  const groupMatch = segments.length >= 2 ? /^(.*?)\s*(\d+)$/.exec(segments[0]?.trim() ?? '') : null;
  if (groupMatch) {
    group = Number(groupMatch[2]);
    const rest = segments.slice(1).join(' ');
    member = headerTokens(rest).filter((word) => !QUESTION_WORDS.has(word));
    text = `${groupMatch[1] ?? ''} ${rest}`;
  }
  let tokens = headerTokens(text);
  // Question words are dropped only from what reads as a question: "Is a Company" is a yes/no flag.
  if (/\?\s*$/.test(header) || QUESTION_LEADS.has(tokens[0] ?? ''))
    tokens = tokens.filter((word) => !QUESTION_WORDS.has(word));
  let ordinal = repeat ? Number(repeat[1]) : 1;
  const words: string[] = [];
  for (const word of tokens) {
    if (/^\d+$/.test(word)) {
      ordinal = Number(word);
      continue;
    }
    if (SECOND_WORDS.has(word)) {
      ordinal = 2;
      continue;
    }
    if (
      word === 'line' ||
      word === 'zeile' ||
      word === 'ligne' ||
      word === 'linea' ||
      word === 'linha' ||
      word === 'regel'
    )
      continue;
    words.push(word);
  }
  if (groupMatch) ordinal = 1;
  const owners = words.filter((word) => OWNER_WORDS.has(word));
  const core = words.filter((word) => !OWNER_WORDS.has(word));
  return { core, words, owners, ordinal, group, member };
}
