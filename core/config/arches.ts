// The machine and image platforms tagship builds for (arm64 under emulation on this host).
export const MACHINE_ARCHES = ['amd64', 'arm64'] as const;
export type MachineArch = (typeof MACHINE_ARCHES)[number];
