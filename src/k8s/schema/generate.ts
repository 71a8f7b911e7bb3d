/**
 * Regenerates src/k8s/schema/k8s.schema.json, the protobufjs JSON descriptor the codec loads, from a tree of
 * Kubernetes sources laid out by Go import path (k8s.io/api/<group>/<version>/, k8s.io/apimachinery/pkg/...):
 *
 *   npx tsx src/k8s/schema/generate.ts /tmp/k8s-src k8s.io/api@<commit> k8s.io/apimachinery@<commit> \
 *     > src/k8s/schema/k8s.schema.json
 *
 * The trailing arguments name the source commits; they are recorded in the descriptor's `sources`.
 *
 * The .proto files give field numbers and wire types. The Go struct tags in types.go give what the proto files
 * do not: the JSON name (or `inline` for embedded structs such as Probe's ProbeHandler), `omitempty`, `omitzero`, and
 * whether a field is a pointer, which together decide how a zero value present on the wire renders in JSON.
 * ObjectMeta keeps the removed field 15 `clusterName` because values written before Kubernetes 1.25 carry it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

interface GoField {
  json: string;
  omitempty: boolean;
  omitzero: boolean;
  inline: boolean;
  goKind: 'pointer' | 'slice' | 'map' | 'value';
  /** Gone from current Go structs: current apiservers never write it, old values may carry it. */
  removed?: boolean;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** Go package directory (relative to the source root) -> proto package, e.g. k8s.io/api/core/v1 -> k8s.io.api.core.v1. */
function protoPackage(relativeDir: string): string {
  return relativeDir.split(path.sep).join('.').replace(/\//g, '.');
}

const FIELD_LINE = /^\s*(?:(\w+)\s+)?([*\[\]\w.]+(?:\[[\w.*]+\][\w.*]+)?)\s+`([^`]*)`/;

function parseGoStructs(source: string, pkg: string, into: Map<string, Map<number, GoField>>): void {
  const structRe = /^type (\w+) struct \{\n([\s\S]*?)^\}/gm;
  for (const match of source.matchAll(structRe)) {
    const fields = new Map<number, GoField>();
    for (const line of match[2].split('\n')) {
      const m = FIELD_LINE.exec(line);
      if (!m) continue;
      const goType = m[2];
      const tags = m[3];
      const protoTag = /protobuf:"([^"]*)"/.exec(tags)?.[1];
      if (!protoTag) continue;
      const number = Number(protoTag.split(',')[1]);
      const jsonTag = /json:"([^"]*)"/.exec(tags)?.[1] ?? '';
      const [jsonName, ...flags] = jsonTag.split(',');
      const goKind = goType.startsWith('*') ? 'pointer' : goType.startsWith('[]') ? 'slice' : goType.startsWith('map[') ? 'map' : 'value';
      fields.set(number, {
        json: jsonName,
        omitempty: flags.includes('omitempty'),
        omitzero: flags.includes('omitzero'),
        inline: jsonName === '' || flags.includes('inline'),
        goKind,
      });
    }
    into.set(`${pkg}.${match[1]}`, fields);
  }
}

function main(): void {
  const sourceRoot = path.resolve(process.argv[2] ?? '');
  const files = walk(sourceRoot);
  const root = new protobuf.Root();
  for (const file of files.filter((f) => f.endsWith('generated.proto'))) {
    protobuf.parse(readFileSync(file, 'utf8'), root, { keepCase: true });
  }
  root.resolveAll();

  const goStructs = new Map<string, Map<number, GoField>>();
  for (const file of files.filter((f) => f.endsWith('.go'))) {
    parseGoStructs(readFileSync(file, 'utf8'), protoPackage(path.relative(sourceRoot, path.dirname(file))), goStructs);
  }

  const objectMeta = root.lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  if (!objectMeta.fieldsById[15]) objectMeta.add(new protobuf.Field('clusterName', 15, 'string', 'optional'));
  goStructs.get('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta')?.set(15, { json: 'clusterName', omitempty: true, omitzero: false, inline: false, goKind: 'value', removed: true });

  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) {
        const go = goStructs.get(nested.fullName.slice(1));
        for (const field of nested.fieldsArray) {
          const info = go?.get(field.id);
          if (!info) continue;
          const options: Record<string, unknown> = { goKind: info.goKind };
          if (info.inline) options.inline = true;
          else if (info.json !== field.name) options.json = info.json;
          if (info.omitempty) options.omitempty = true;
          if (info.omitzero) options.omitzero = true;
          if (info.removed) options.removed = true;
          field.options = options;
        }
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  const json = root.toJSON({ keepComments: false });
  const sources = process.argv.slice(3);
  process.stdout.write(`${JSON.stringify({ comment: 'AUTOGENERATED by src/k8s/schema/generate.ts, DO NOT EDIT', sources, ...json })}\n`);
}

main();
