// Validates AsyncAPI documents with the official parser (@asyncapi/parser, its default rules).
// Usage: node tests/asyncapi/validate.mjs <file.json>...
// Prints {file: [diagnostics]} as JSON on stdout; exits 1 when any document has a diagnostic of severity error.
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const parser = new Parser();
const report = {};
let failed = false;
for (const file of process.argv.slice(2)) {
  const diagnostics = await parser.validate(await readFile(file, 'utf8'), { source: file });
  report[file] = diagnostics.map(({ code, message, path, severity }) => ({ code, message, path, severity }));
  failed ||= diagnostics.some((d) => d.severity === DiagnosticSeverity.Error);
}
console.log(JSON.stringify(report, null, 1));
process.exit(failed || process.argv.length < 3 ? 1 : 0);
