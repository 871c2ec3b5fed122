// The API reference: typedoc over ts/index.ts (typedoc.json) into build/docs/api/. It fails on any
// typedoc warning (undocumented exports, broken links, types referenced but not exported) and on
// any export (a function, constant, class, or a namespace's member) without an @example.
// Writes its counts to $WEBJAX_DOCS_RESULTS for scripts/test.mjs.
//   node scripts/docs.mjs            (npm run docs; open build/docs/api/index.html)
import { writeFileSync } from "node:fs";
import { Application, LogLevel, ReflectionKind, TSConfigReader, TypeDocReader } from "typedoc";

const app = await Application.bootstrapWithPlugins({ logLevel: LogLevel.Warn }, [new TypeDocReader(), new TSConfigReader()]);
const project = await app.convert();
const problems = [];
if (!project) {
  problems.push("typedoc could not convert the project");
} else {
  app.validate(project);
  // Exports: top-level functions, variables and classes, and those of the namespaces (numpy, lax, ...).
  const EXPORT = ReflectionKind.Function | ReflectionKind.Variable | ReflectionKind.Class;
  const hasExample = (r) =>
    !!(r.comment?.getTag("@example") || r.signatures?.some((s) => s.comment?.getTag("@example")) ||
      r.type?.declaration?.signatures?.some((s) => s.comment?.getTag("@example")));
  const walk = (container, prefix) => {
    for (const child of container.children ?? []) {
      const name = prefix ? `${prefix}.${child.name}` : child.name;
      if (child.kindOf(ReflectionKind.Namespace)) walk(child, name);
      else if (child.kindOf(ReflectionKind.Variable) && child.type?.type === "reflection" && child.type.declaration.children && !child.type.declaration.signatures) {
        // An object of functions (np.linalg, jax.config, checkpointPolicies): its members are the exports.
        if (!hasExample(child)) for (const member of child.type.declaration.children) if (!hasExample(member)) problems.push(`${name}.${member.name} has no @example`);
      } else if (child.kindOf(EXPORT) && !hasExample(child)) problems.push(`${name} has no @example`);
    }
  };
  walk(project, "");
  await app.generateDocs(project, app.options.getValue("out"));
}
const warnings = app.logger.warningCount + app.logger.errorCount;
for (const p of problems) console.log(`  ✗ ${p}`);
console.log(`docs: ${warnings} typedoc warnings/errors, ${problems.length} exports without an @example${project ? `; written to ${app.options.getValue("out")}` : ""}`);
const ok = warnings === 0 && problems.length === 0;
if (process.env.WEBJAX_DOCS_RESULTS) {
  writeFileSync(process.env.WEBJAX_DOCS_RESULTS, JSON.stringify({ passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, errors: [], ran: true }));
}
process.exit(ok ? 0 : 1);
