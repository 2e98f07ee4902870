import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const documents = ['README.md', ...readdirSync(`${root}docs`).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

interface Example {
  document: string;
  line: number;
  path: string;
  source: string;
}

/** Every ```ts block of the documents, as a module of its own. */
function examples(): Example[] {
  const found: Example[] = [];
  for (const document of documents) {
    const text = readFileSync(`${root}${document}`, 'utf8');
    for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const line = text.slice(0, match.index).split('\n').length;
      const path = `${root}.doc-examples/${document.replace(/[/.]/g, '_')}_${line}.ts`;
      found.push({ document, line, path, source: `${match[1]}\nexport {};\n` });
    }
  }
  return found;
}

/** Type-checks the examples in one program, with `rx-cluster` resolved to lib/. */
function typeCheck(list: Example[]): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: root,
    paths: { 'rx-cluster': ['lib/index.ts'] },
    allowImportingTsExtensions: true,
  };
  const virtual = new Map(list.map((example) => [example.path, example.source]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => virtual.has(file) || fileExists(file);
  host.readFile = (file) => virtual.get(file) ?? readFile(file);
  host.getSourceFile = (file, language, onError) =>
    virtual.has(file) ? ts.createSourceFile(file, virtual.get(file)!, language) : getSourceFile(file, language, onError);
  const program = ts.createProgram([...virtual.keys(), `${root}spec/docs/prelude.d.ts`], options, host);
  const errors = new Map<string, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '';
    if (!virtual.has(file)) continue;
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const text = `line ${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    errors.set(file, [...(errors.get(file) ?? []), text]);
  }
  return errors;
}

describe('Code examples in README.md and docs/', function () {
  this.timeout(120_000);
  const list = examples();
  let errors: Map<string, string[]>;
  before(() => (errors = typeCheck(list)));

  it('there are examples to check', () => expect(list.length).to.be.above(5));

  for (const document of documents) {
    const inDocument = list.filter((example) => example.document === document);
    if (inDocument.length === 0) continue;
    it(`every example in ${document} type-checks against the library (${inDocument.length})`, () => {
      const failures = inDocument.flatMap((example) =>
        (errors.get(example.path) ?? []).map((error) => `${document}:${example.line} ${error}`),
      );
      expect(failures, failures.join('\n')).to.deep.equal([]);
    });
  }
});
