// Renders the VTL mapping templates the Amplify transformer generated (cdk.out/) with the VTL engine of
// @aws-amplify/amplify-appsync-simulator ($util, $ctx, #return, AppSync's error semantics).
// Protocol: one JSON request per stdin line, one JSON answer per stdout line (same order), so pytest keeps a
// single process for hundreds of renders. The pipeline itself (which template, in which order, what a data
// source returns) is driven from Python (tests/parity/vtl.py).
//
// request: {template, ctx: {arguments, source, stash, result, prevResult, error},
//           caller: {mode: "AMAZON_COGNITO_USER_POOLS" | "AWS_IAM", jwt?, iam?}, info: {parentType, fieldName}}
// answer:  {result, stash, args, isReturn, hadException, errors: [{message, errorType}], subscriptionFilter,
//           dynamoFilter}
'use strict';

const readline = require('node:readline');
const { VelocityTemplate } = require('@aws-amplify/amplify-appsync-simulator/lib/velocity');
const mapModule = require('@aws-amplify/amplify-appsync-simulator/lib/velocity/value-mapper/map');

// `$map.remove(key)` is a no-op in the simulator: its template engine implements `remove` on objects as
// `delete obj[key]`, and the simulator's map proxy has no `deleteProperty` trap, so the entry stays, while
// AppSync's java.util.Map removes it (amplify/data/defaults-after-auth.ts relies on it). The proxy is
// rebuilt here with the simulator's own get/set traps plus that trap.
mapModule.createMapProxy = function createMapProxy(map) {
  return new Proxy(map, {
    get(obj, prop) {
      return map.map.has(prop) ? map.get(prop) : map[prop];
    },
    set(obj, prop, val) {
      if (typeof val !== 'function') map.map.set(prop, val);
      return true;
    },
    deleteProperty(obj, prop) {
      map.map.delete(String(prop));
      return true;
    },
  });
};

// The simulator's engine has neither `$extensions` nor `$util.transform.toSubscriptionFilter` (the
// subscription response templates use both); they are added here after AppSync's documented semantics:
// toSubscriptionFilter turns a model filter (`and` / `or` / field: {operator: value}) into
// `{filterGroup: [{filters: [{fieldName, operator, value}]}]}` (groups are OR'ed, filters in a group AND'ed).
function toFilterGroups(filter) {
  // disjunctive normal form: a list of groups, each a list of {fieldName, operator, value}
  let groups = [[]];
  for (const [key, value] of Object.entries(filter || {})) {
    if (key === 'or') {
      const alternatives = value.flatMap(toFilterGroups);
      groups = groups.flatMap((g) => alternatives.map((a) => [...g, ...a]));
    } else if (key === 'and') {
      for (const part of value) {
        const partGroups = toFilterGroups(part);
        groups = groups.flatMap((g) => partGroups.map((p) => [...g, ...p]));
      }
    } else if (key === 'not') {
      throw new Error('toSubscriptionFilter: `not` is not supported by AppSync subscription filters');
    } else {
      const conditions = Object.entries(value).map(([operator, operand]) => ({ fieldName: key, operator, value: operand }));
      groups = groups.map((g) => [...g, ...conditions]);
    }
  }
  return groups;
}

function toSubscriptionFilter(filter) {
  const plain = filter && typeof filter.toJSON === 'function' ? filter.toJSON() : filter;
  return { filterGroup: toFilterGroups(plain).map((filters) => ({ filters })) };
}

class HarnessTemplate extends VelocityTemplate {
  buildRenderContext(ctxValues, requestContext, info) {
    const context = super.buildRenderContext(ctxValues, requestContext, info);
    const captured = (this.captured = { subscriptionFilter: null, dynamoFilter: null });
    const transform = context.util.transform;
    context.util.transform = {
      ...transform,
      toSubscriptionFilter,
      // the model filter a query/scan is filtered with, so the stubbed table can apply it (tests/parity/vtl.py)
      toDynamoDBFilterExpression(filter) {
        captured.dynamoFilter = filter && typeof filter.toJSON === 'function' ? filter.toJSON() : filter;
        return transform.toDynamoDBFilterExpression(filter);
      },
    };
    context.utils = context.util;
    context.extensions = {
      setSubscriptionFilter(value) {
        captured.subscriptionFilter = value && typeof value.toJSON === 'function' ? value.toJSON() : value;
        return '';
      },
      setSubscriptionInvalidationFilter() {
        return '';
      },
    };
    return context;
  }
}

const SIMULATOR = {
  appSyncConfig: {
    defaultAuthenticationType: { authenticationType: 'AMAZON_COGNITO_USER_POOLS' },
    additionalAuthenticationProviders: [{ authenticationType: 'AWS_IAM' }],
  },
};
const compiled = new Map();

function graphqlInfo({ parentType, fieldName }) {
  // what the simulator reads from graphql-js's resolve info (error paths, $ctx.info)
  return { parentType, fieldName, path: { key: fieldName, prev: undefined }, fieldNodes: [], fragments: {},
           variableValues: {} };
}

function render(request) {
  let template = compiled.get(request.template);
  if (!template) {
    template = new HarnessTemplate({ content: request.template }, SIMULATOR);
    compiled.set(request.template, template);
  }
  const { caller } = request;
  const requestContext = {
    requestAuthorizationMode: caller.mode,
    jwt: caller.jwt || {},
    iamToken: caller.iam || {},
    headers: {},
    sourceIp: '127.0.0.1',
    appsyncErrors: [],
  };
  const out = template.render(request.ctx, requestContext, graphqlInfo(request.info));
  return {
    result: out.result === undefined ? null : out.result,
    stash: out.stash,
    args: out.args,
    isReturn: Boolean(out.isReturn),
    hadException: Boolean(out.hadException),
    errors: (out.errors || []).map((e) => ({ message: e.message, errorType: e.errorType || e.type || null })),
    subscriptionFilter: template.captured ? template.captured.subscriptionFilter : null,
    dynamoFilter: template.captured ? template.captured.dynamoFilter : null,
  };
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let answer;
  try {
    answer = render(JSON.parse(line));
  } catch (e) {
    answer = { harnessError: String((e && e.stack) || e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
