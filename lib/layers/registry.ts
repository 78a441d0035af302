// Layer classes by registered name, the one way a layer becomes saveable and loadable. Built-in
// layers and a user's own layer register alike, with one call at the bottom of the layer's file:
//
//   registerLayer('Cubic', Cubic, (config) => new Cubic(config as unknown as CubicOptions));
//
// Saved models record this name, never `constructor.name` (which a minifier renames).

import type { Layer } from './layer';

/** A layer class (any constructor signature). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LayerClass = abstract new (...args: any[]) => Layer;
/** Rebuilds a layer from its saved config: getConfig() plus `name`. */
export type LayerFactory = (config: Record<string, unknown>) => Layer;

const factories = new Map<string, LayerFactory>();
const names = new Map<LayerClass, string>();

/**
 * Makes a layer class saveable and loadable under `name`. fromConfig rebuilds a layer from its
 * getConfig() (plus `name`); by default `new cls(config)`. Registering the same class again under the
 * same name is harmless (a module loaded twice); another class under a taken name, or one class under
 * two names, is refused.
 */
export function registerLayer(name: string, cls: LayerClass, fromConfig?: LayerFactory): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error(`registerLayer: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof cls !== 'function' || typeof (cls.prototype as { forward?: unknown } | undefined)?.forward !== 'function') {
    throw new Error(`registerLayer('${name}', ...): the second argument must be the layer class (a subclass of Layer), e.g. registerLayer('${name}', ${name}, (config) => new ${name}(config))`);
  }
  const taken = [...names].find(([, n]) => n === name)?.[0];
  if (taken && taken !== cls) throw new Error(`registerLayer: the name '${name}' is already registered for another layer class`);
  const other = names.get(cls);
  if (other !== undefined && other !== name) throw new Error(`registerLayer: this class is already registered as '${other}', cannot register it again as '${name}'`);
  names.set(cls, name);
  factories.set(name, fromConfig ?? ((c) => new (cls as unknown as new (c: Record<string, unknown>) => Layer)(c)));
}

/** The registered name of a layer's class, or undefined when the class was never registered. */
export function registeredName(layer: Layer): string | undefined {
  return names.get(layer.constructor as LayerClass);
}

/** Registered layer names, in registration order. */
export function registeredLayers(): string[] {
  return [...factories.keys()];
}

/** Rebuilds a layer from { className, config }; throws on an unregistered name. */
export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  const factory = factories.get(className);
  if (!factory) throw new Error(`unknown layer class '${className}' in saved model: expected one of ${registeredLayers().join(', ')} (a custom layer must be registered with registerLayer before loading)`);
  return factory(config);
}
