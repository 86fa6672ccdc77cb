import { Kind, parse, type ListValueNode, type ObjectTypeDefinitionNode, type ObjectValueNode } from 'graphql';

/**
 * `update<Model>` refused to every user when no `@auth` rule of the model grants `update`.
 *
 * Why: the Amplify auth transformer lets a role that has `delete` on the model's fields through the
 * generated update auth step with the key alone (`$ownerAllowedFields0 = ["id"]`). For `Scan`, whose
 * owners have create, read and delete but never update, that means an owner's
 * `updateScan(input: {id})` succeeds: it bumps `updatedAt` (pushing an update to every Admin), and with
 * a `condition` on `debug` it answers yes or no about the Admin-only debug data. No rule here meant to
 * grant any of that.
 *
 * This replaces the response template of the generated `Mutationupdate<Model>auth0Function` of every
 * model whose rules grant `update` to nobody by one that admits what the generated one admits without
 * any rule (IAM principals granted the API, not identity-pool users: the scanner) and refuses every other
 * caller with the generated "Not Authorized to access update<Model> on type Mutation".
 *
 * The local AppSync emulator mirrors exactly this (catscan/local/appsync, see its README).
 */

/** Rules' operations, as the transformer reads them: a rule without `operations` grants all. */
const ruleGrantsUpdate = (rule: ObjectValueNode): boolean => {
  const operations = rule.fields.find((f) => f.name.value === 'operations');
  if (!operations) return true;
  const values = operations.value.kind === Kind.LIST ? (operations.value as ListValueNode).values : [operations.value];
  return values.some((v) => v.kind === Kind.ENUM && v.value === 'update');
};

const authRules = (directives: ObjectTypeDefinitionNode['directives']): ObjectValueNode[] => {
  const auth = directives?.find((d) => d.name.value === 'auth');
  const rules = auth?.arguments?.find((a) => a.name.value === 'rules')?.value;
  if (!rules || rules.kind !== Kind.LIST) return [];
  return rules.values.filter((v): v is ObjectValueNode => v.kind === Kind.OBJECT);
};

/** The `@model` types of the schema whose `@auth` rules (model or field level) never grant `update`. */
export const modelsWithoutUpdateRule = (schemaText: string): string[] => {
  const out: string[] = [];
  for (const def of parse(schemaText).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const type = def as ObjectTypeDefinitionNode;
    if (!type.directives?.some((d) => d.name.value === 'model')) continue;
    const rules = [...authRules(type.directives), ...(type.fields ?? []).flatMap((f) => authRules(f.directives))];
    if (rules.length > 0 && !rules.some(ruleGrantsUpdate)) out.push(type.name.value);
  }
  return out;
};

/** The auth step's response template for a model nobody may update but IAM principals granted the API. */
export const iamOnlyUpdateAuthTemplate = (model: string): string =>
  [
    `## [Start] Authorization Steps. catscan: update${model} without an update rule (amplify/data/updates-need-an-update-rule.ts). **`,
    '$util.qr($ctx.stash.put("hasAuth", true))',
    '#if( $ctx.error )',
    '  $util.error($ctx.error.message, $ctx.error.type)',
    '#end',
    '#if( $util.authType() == "IAM Authorization" && $util.isNull($ctx.identity.cognitoIdentityPoolId) && $util.isNull($ctx.identity.cognitoIdentityId) )',
    '  #set( $isAuthorized = true )',
    '#else',
    '$util.unauthorized()',
    '#end',
    '$util.toJson({})',
    '## [End] Authorization Steps. **',
  ].join('\n');

type FunctionConfiguration = {
  name: string;
  responseMappingTemplate?: string;
  responseMappingTemplateS3Location?: string;
  addPropertyDeletionOverride(path: string): void;
};

/**
 * Replaces the update auth step of every model without an update rule. Fails the synth if there is not
 * exactly one such function per model, so a transformer upgrade that renames it is noticed at once.
 */
export const refuseUpdatesWithoutUpdateRule = (
  functionConfigurations: Record<string, FunctionConfiguration>,
  schemaText: string,
): string[] => {
  const replaced: string[] = [];
  for (const model of modelsWithoutUpdateRule(schemaText)) {
    const name = `Mutationupdate${model}auth0Function`;
    const matches = Object.values(functionConfigurations).filter((f) => f.name === name);
    if (matches.length !== 1) {
      throw new Error(`updates-need-an-update-rule: expected one ${name}, found ${matches.length}`);
    }
    const fn = matches[0];
    fn.responseMappingTemplate = iamOnlyUpdateAuthTemplate(model);
    fn.responseMappingTemplateS3Location = undefined;
    fn.addPropertyDeletionOverride('ResponseMappingTemplateS3Location');
    replaced.push(fn.name);
  }
  return replaced;
};
