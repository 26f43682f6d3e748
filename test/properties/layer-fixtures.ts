// Machine factories for harness tests whose subsystems are test-defined, deliberately broken subclasses: they live in properties/machine-with.ts (the bench uses them too) and are re-exported here.
export { machineWithParts, type BrokenParts, type BuddyClass, type CmaRegistryClass, type ContigClass, type PinnerClass } from '../../properties/machine-with.ts';
