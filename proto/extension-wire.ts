/**
 * Extensions and subscriptions between the domain types and the gofer.v1 wire shapes, both
 * ways, for the API handlers and the client.
 */
import type { ExtensionView } from '../kernel/api/kernel-services.js';
import type { ExtensionInfo } from '../kernel/contracts/extension.js';
import type { Subscription } from '../kernel/contracts/model.js';
import type { Extension, Extension__Output } from './generated/gofer/v1/Extension.js';
import type { ExtensionInfo__Output } from './generated/gofer/v1/ExtensionInfo.js';
import type {
  Subscription as WireSubscription,
  Subscription__Output,
} from './generated/gofer/v1/Subscription.js';

export function extensionToWire(ext: ExtensionView): Extension {
  return {
    name: ext.name,
    source: ext.source,
    runtime: ext.runtime,
    enabled: ext.enabled,
    status: ext.status,
    status_reason: ext.statusReason,
    grants: ext.grants,
    config_keys: ext.configKeys,
    info: ext.info
      ? {
          name: ext.info.name,
          version: ext.info.version,
          documentation: ext.info.documentation,
          config_params: ext.info.configParams,
          subscription_params: ext.info.subscriptionParams,
        }
      : undefined,
    created: ext.created,
    modified: ext.modified,
  };
}

function infoFromWire(info: ExtensionInfo__Output | null): ExtensionInfo | null {
  if (!info) return null;
  return {
    name: info.name,
    version: info.version,
    documentation: info.documentation,
    configParams: info.config_params,
    subscriptionParams: info.subscription_params,
  };
}

export function extensionFromWire(ext: Extension__Output): ExtensionView {
  return {
    name: ext.name,
    source: ext.source,
    runtime: ext.runtime as ExtensionView['runtime'],
    enabled: ext.enabled,
    status: ext.status as ExtensionView['status'],
    statusReason: ext.status_reason,
    grants: ext.grants,
    configKeys: ext.config_keys,
    info: infoFromWire(ext.info),
    created: ext.created,
    modified: ext.modified,
  };
}

export function subscriptionToWire(sub: Subscription): WireSubscription {
  return {
    namespace: sub.namespace,
    pipeline: sub.pipeline,
    extension: sub.extension,
    label: sub.label,
    settings: sub.settings,
    state: sub.state,
    status_reason: sub.statusReason,
    anchor_ms: sub.anchorMs,
    created: sub.created,
  };
}

export function subscriptionFromWire(sub: Subscription__Output): Subscription {
  return {
    namespace: sub.namespace,
    pipeline: sub.pipeline,
    extension: sub.extension,
    label: sub.label,
    settings: sub.settings,
    state: sub.state as Subscription['state'],
    statusReason: sub.status_reason,
    anchorMs: sub.anchor_ms,
    lastRunMs: 0,
    created: sub.created,
    modified: sub.created,
  };
}
