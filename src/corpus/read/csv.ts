import { Readable } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { CorpusError } from '../../errors.js';
import { runPipeline, type Reader } from './reader.js';

export function csvReader(delimiter: ',' | '\t'): Reader {
  return async (text, { builder, source }) => {
    const parser = parseCsv({
      columns: (header: string[]) => header.map((h) => h.trim()),
      delimiter,
      bom: true,
      skip_empty_lines: true,
      info: true,
      relax_quotes: delimiter === '\t',
      quote: delimiter === '\t' ? null : '"',
      max_record_size: 16 * 1024 * 1024,
    });
    try {
      await runPipeline([Readable.from(text), parser], (row) => {
        const r = row as { record: Record<string, string>; info: { lines: number } };
        builder.add(r.record, { line: r.info.lines });
      });
    } catch (err) {
      if (err instanceof CsvError) {
        const e = err as CsvError & { lines?: number };
        throw new CorpusError({ source, ...(e.lines ? { line: e.lines } : {}) }, `invalid ${delimiter === ',' ? 'CSV' : 'TSV'}: ${e.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  };
}
