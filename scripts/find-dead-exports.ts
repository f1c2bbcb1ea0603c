/**
 * Lists exports nothing outside their own file uses, with the TypeScript language
 * service (the program of tsconfig.json: src, test, bench). Prints one line per export:
 *   unused      nobody uses it, not even its own file: delete it
 *   local       only its own file uses it: drop the `export`
 *   test-only   only tests (and its own file) use it: a seam for tests, or dead code
 * Usage: npx tsx scripts/find-dead-exports.ts [path prefix, default src/]
 */
import { relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const prefix = process.argv[2] ?? 'src/';

const configFile = ts.readConfigFile(resolve(root, 'tsconfig.json'), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const files = new Map(parsed.fileNames.map((f) => [f, ts.sys.readFile(f) ?? '']));
const service = ts.createLanguageService({
  getCompilationSettings: () => parsed.options,
  getScriptFileNames: () => [...files.keys()],
  getScriptVersion: () => '1',
  getScriptSnapshot: (f) => {
    const text = files.get(f) ?? ts.sys.readFile(f);
    return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
  },
  getCurrentDirectory: () => root,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
});
const program = service.getProgram()!;
const checker = program.getTypeChecker();
const isTest = (f: string) => /\.test\.ts$/.test(f) || relative(root, f).startsWith('test/');

for (const source of program.getSourceFiles()) {
  const file = relative(root, source.fileName);
  if (!file.startsWith(prefix) || isTest(source.fileName)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const declaration = symbol.declarations?.[0];
    if (!declaration || declaration.getSourceFile() !== source) continue; // re-exports
    const name = ts.getNameOfDeclaration(declaration) ?? declaration;
    const references = (service.findReferences(source.fileName, name.getStart()) ?? []).flatMap(
      (r) => r.references,
    );
    const uses = references.filter((r) => !r.isDefinition);
    const elsewhere = uses.filter((r) => r.fileName !== source.fileName);
    if (elsewhere.some((r) => !isTest(r.fileName))) continue;
    const verdict = elsewhere.length ? 'test-only' : uses.length ? 'local' : 'unused';
    console.log(`${verdict.padEnd(10)} ${file}: ${symbol.name}`);
  }
}
