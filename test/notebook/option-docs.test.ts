/**
 * Allowed values in option types' docs: a type error such as `covarianceType: 'fool'` names only
 * the type (`CovarianceType`), so the property's TSDoc, which Shift+Tab and hovers show, must list
 * every allowed string. Checked for every property of every exported `*Options` interface in
 * src/ whose type is (or includes) a union of string literals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every `Interface.property` of exported `*Options` interfaces whose docs miss allowed string values. */
function undocumented(files: string[]): { where: string; missing: string[] }[] {
  const program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const out: { where: string; missing: string[] }[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(path.resolve(sf.fileName))) continue;
    ts.forEachChild(sf, (node) => {
      if (!ts.isInterfaceDeclaration(node) || !/Options$/.test(node.name.text)) return;
      if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
      for (const member of node.members) {
        if (!ts.isPropertySignature(member) || !member.type || !member.name) continue;
        const type = checker.getTypeFromTypeNode(member.type);
        const parts = type.isUnion() ? type.types : [type];
        const literals = parts.filter((t) => t.isStringLiteral()).map((t) => (t as ts.StringLiteralType).value);
        if (literals.length < 2) continue;
        const symbol = checker.getSymbolAtLocation(member.name);
        const doc = symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)) : '';
        const missing = literals.filter((v) => !doc.includes(`'${v}'`) && !doc.includes(`\`${v}\``) && !doc.includes(`"${v}"`));
        if (missing.length > 0) out.push({ where: `${path.relative(ROOT, sf.fileName)}: ${node.name.text}.${member.name.getText(sf)}`, missing });
      }
    });
  }
  return out;
}

const files = sourceFiles(path.join(ROOT, 'src')).map((f) => path.resolve(f));
const problems = undocumented(files);

test('every *Options property typed as a union of strings lists the allowed values in its TSDoc', () => {
  const listing = (xs: typeof problems) => xs.map((p) => `${p.where}: ${p.missing.map((m) => `'${m}'`).join(', ')}`).join('\n');
  assert.deepEqual(problems, [], `options whose docs do not list their allowed values:\n${listing(problems)}`);
});
