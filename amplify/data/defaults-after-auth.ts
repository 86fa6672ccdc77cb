import { Kind, parse, type ObjectTypeDefinitionNode, type StringValueNode } from 'graphql';

/**
 * Field defaults (`@default`) applied after the auth step of the generated create resolvers.
 *
 * Why: the Amplify transformer puts each `@default` value into `$ctx.args.input` in the create
 * resolver's `init` slot, before the auth slot lists the input's fields. A default on a field that
 * the caller may not create (here: `Scan.status`, which only the scanner writes) then makes every
 * create fail with "Unauthorized on [status]" (amplify-category-api issues 568 and 1988, open).
 *
 * This replaces that generated `init` function of each model with `@default` fields by one that
 * keeps the client's input as it was (so the auth step judges only what the client sent: an owner's
 * `status` is refused like any verdict field) and stores the defaults in `$ctx.stash.defaultValues`,
 * which the generated data function merges under the input (`$mergedValues.putAll($args.input)`).
 * An explicit null for a defaulted field counts as "not given", as `$util.defaultIfNull` did.
 *
 * The local AppSync emulator mirrors exactly this (catscan/local/appsync, see its README).
 */

/** `@default` values by model and field, read from the schema (the single source). */
export const defaultsByModel = (schemaText: string): Map<string, Map<string, { value: string; quoted: boolean }>> => {
  const unquoted = new Set(['Int', 'Float', 'Boolean', 'AWSTimestamp']);
  const out = new Map<string, Map<string, { value: string; quoted: boolean }>>();
  for (const def of parse(schemaText).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const type = def as ObjectTypeDefinitionNode;
    if (!type.directives?.some((d) => d.name.value === 'model')) continue;
    for (const field of type.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === 'default');
      const arg = directive?.arguments?.find((a) => a.name.value === 'value');
      if (!arg) continue;
      let base = field.type;
      while (base.kind !== Kind.NAMED_TYPE) base = base.type;
      const fields = out.get(type.name.value) ?? new Map();
      fields.set(field.name.value, {
        value: (arg.value as StringValueNode).value,
        quoted: !unquoted.has(base.name.value),
      });
      out.set(type.name.value, fields);
    }
  }
  return out;
};

/** The VTL that replaces the generated `@default` init function. */
export const defaultsAfterAuthTemplate = (defaults: Map<string, { value: string; quoted: boolean }>): string => {
  const lines = [
    '## [Start] catscan: defaults stored after auth (amplify/data/defaults-after-auth.ts). **',
    '$util.qr($ctx.stash.put("defaultValues", $util.defaultIfNull($ctx.stash.defaultValues, {})))',
  ];
  for (const [field, { value, quoted }] of defaults) {
    const literal = quoted ? JSON.stringify(value) : value;
    lines.push(
      `#if( $ctx.args.input.containsKey("${field}") && $util.isNull($ctx.args.input.${field}) )`,
      `  $util.qr($ctx.args.input.remove("${field}"))`,
      '#end',
      `$util.qr($ctx.stash.defaultValues.put("${field}", ${literal}))`,
    );
  }
  lines.push('## [End] catscan: defaults stored after auth. **', '{}');
  return lines.join('\n');
};

type FunctionConfiguration = {
  name: string;
  requestMappingTemplate?: string;
  requestMappingTemplateS3Location?: string;
  addPropertyDeletionOverride(path: string): void;
};

/**
 * Replaces, for every model with `@default` fields, the generated create `init` function that sets
 * them (`Mutationcreate<Model>init<N>Function` with N >= 1; init0 sets id and timestamps). Fails the
 * synth if there is not exactly one such function, so a transformer upgrade that moves the snippet is
 * noticed at once rather than deployed.
 */
export const storeDefaultsAfterAuth = (
  functionConfigurations: Record<string, FunctionConfiguration>,
  schemaText: string,
): string[] => {
  const replaced: string[] = [];
  for (const [model, defaults] of defaultsByModel(schemaText)) {
    const pattern = new RegExp(`^Mutationcreate${model}init[1-9][0-9]*Function$`);
    const matches = Object.values(functionConfigurations).filter((f) => pattern.test(f.name));
    if (matches.length !== 1) {
      throw new Error(
        `defaults-after-auth: expected one @default init function for create${model}, found ${matches.length}`,
      );
    }
    const fn = matches[0];
    fn.requestMappingTemplate = defaultsAfterAuthTemplate(defaults);
    fn.requestMappingTemplateS3Location = undefined;
    fn.addPropertyDeletionOverride('RequestMappingTemplateS3Location');
    replaced.push(fn.name);
  }
  return replaced;
};
