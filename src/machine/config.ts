// The machine config: JSON schema (zod), defaults, one-line validation errors, and the --mem/--cmdline overrides.
//
// Input is a JSON object (a `machine.json` given with `--config`); sizes and addresses may be numbers
// of bytes or strings with a K/M/G/T suffix or 0x prefix ("256M", "0x40000000"). The output,
// `MachineConfig`, is fully defaulted and all sizes are byte counts. Validation stops at the first
// problem and reports it as ONE line naming the source and the field path, e.g.
// `machine.json: banks[1].size: must be a multiple of 2M (got 3M)`. Checks that need CMA placement
// arithmetic (cma_declare_contiguous alignment, fitting an area into memory) belong to layout
// resolution, which runs after this.
import { z } from 'zod';
import { err, ok, type Result } from '../base/errno.ts';
import { formatSize, MAX_PAGE_ORDER, PAGE_SIZE, PAGEBLOCK_NR_PAGES, pagesToBytes, parseSize } from '../base/units.ts';
import { parseKernelCmdline } from '../cma/cmdline.ts';
import type { ChunkHeapOptions } from '../heaps/chunk-heap.ts';
import type { CpaPoolOptions } from '../heaps/cpa-pool.ts';
import { NUM_HEAP_MINORS } from '../heaps/dma-heap.ts';
import { DEFAULT_SYSTEM_HEAPS_OPTIONS, type SystemHeapsOptions } from '../heaps/system-heap.ts';
import type { ZoneKind } from '../mem/platform.ts';

/** Banks and reservations must be pageblock aligned (2 MiB with 4 KiB pages and pageblock_order 9). */
export const BANK_ALIGN_BYTES = pagesToBytes(PAGEBLOCK_NR_PAGES);
/** Largest total memory a machine may have (the page table must stay tens of bytes per page). */
export const MAX_MEMORY_BYTES = 16 * 2 ** 30;
/** Largest distance from the lowest bank base to the highest bank end (holes are cheap but not free). */
export const MAX_SPAN_BYTES = 64 * 2 ** 30;
/** Physical addresses stay below 2^52 (x86-64 MAX_PHYSMEM_BITS with 5-level paging). */
export const MAX_PHYS_ADDR_BYTES = 2 ** 52;
/** Linux 6.1 MAX_CMA_AREAS = 1 + CONFIG_CMA_AREAS (default 7); the cma= area counts against it. */
export const MAX_CMA_AREAS = 8;
/** CMA_MIN_ALIGNMENT_BYTES in 6.1: one pageblock. The default (and floor) of a CMA area's alignment. */
export const CMA_MIN_ALIGNMENT_BYTES = BANK_ALIGN_BYTES;
/** The default boot reservation ("the kernel image"): min(8 MiB, memory/16), rounded up to 2 MiB. */
export const DEFAULT_KERNEL_RESERVATION_MAX_BYTES = 8 * 2 ** 20;
/** vm.watermark_scale_factor's sysctl range in Linux 6.1 (1..3000, default 10). */
const WATERMARK_SCALE_FACTOR_MAX = 3000;
/** Names become debugfs directories and heap names: no '/', no spaces, shorter than CMA_MAX_NAME (64). */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const ZONE_KINDS = ['DMA', 'DMA32', 'Normal', 'Movable'] as const satisfies readonly ZoneKind[];

/** One memory bank: a NUMA node holding one zone over [baseBytes, baseBytes + sizeBytes). */
export interface BankConfig {
  /** Unique bank name ("dram0"); CMA areas refer to banks by it. */
  readonly name: string;
  /** Physical start address; a multiple of 2 MiB. */
  readonly baseBytes: number;
  /** Bank size; a positive multiple of 2 MiB. */
  readonly sizeBytes: number;
  /** The zone this bank's pages belong to. */
  readonly zone: ZoneKind;
  /** NUMA node id (0..63); defaults to the bank's index in `banks`. */
  readonly node: number;
}

/** A boot-time (memblock) reservation: memory that never reaches the page allocator. */
export interface ReservationConfig {
  /** Unique label ("kernel", "framebuffer"). */
  readonly label: string;
  /** Start address; a multiple of 2 MiB, inside one bank. */
  readonly baseBytes: number;
  /** Size; a positive multiple of 2 MiB, ending inside the same bank. */
  readonly sizeBytes: number;
}

/** Where a non-fixed CMA area may be placed: [startBytes, endBytes), like cma_declare_contiguous's base..limit. */
export interface CmaPlacementRange {
  readonly startBytes: number;
  readonly endBytes: number;
}

/** A named CMA area declared by the platform (a "region" in the 2010 CMA threads, seed 001). */
export interface CmaAreaConfig {
  /** Unique area name; its debugfs directory is /sys/kernel/debug/cma/NAME. */
  readonly name: string;
  /** Requested size (layout resolution rounds it up to the alignment, as Linux does). */
  readonly sizeBytes: number;
  /** A fixed start address (cma_declare_contiguous with fixed=true); excludes `range`. */
  readonly baseBytes?: number;
  /** Placement limits for a non-fixed area; excludes `baseBytes`. */
  readonly range?: CmaPlacementRange;
  /** Placement alignment, a power of two; defaults to CMA_MIN_ALIGNMENT_BYTES (2 MiB). */
  readonly alignmentBytes: number;
  /** Each bitmap bit covers 2^orderPerBit pages (0..MAX_PAGE_ORDER); default 0. */
  readonly orderPerBit: number;
  /** Restricts placement to this bank (by name). */
  readonly bank?: string;
}

/**
 * A device driver and the CMA areas it allocates from, in fallback order (the "kinds" of memory in
 * seed 001). With `exportHeap`, the driver owns its first area and exports it as a dma-buf CMA heap
 * named after that area (seed 002; cma_heap.c names a heap with cma_get_name()).
 */
export interface DeviceConfig {
  /** Unique device name ("s5p-mfc"). */
  readonly name: string;
  /** Area names in fallback order; empty means the default (cma=) area, as dev_get_cma_area() falls back. */
  readonly cmaAreas: readonly string[];
  /** Whether the driver exports its first area as a dma-buf heap. */
  readonly exportHeap: boolean;
}

/** The validated, fully defaulted machine description every later layer builds from. */
export interface MachineConfig {
  /** Memory banks (at least one), in the order given. */
  readonly banks: readonly BankConfig[];
  /** Number of CPUs (1..64), i.e. per-CPU page lists; default 2. */
  readonly cpuCount: number;
  /** Boot reservations; default: one `kernel` reservation at the start of the lowest bank. */
  readonly reserved: readonly ReservationConfig[];
  /** Kernel command line (`cma=...` is parsed by the layout code); default "". */
  readonly cmdline: string;
  /** Platform-declared CMA areas (at most 8); default none. */
  readonly cma: { readonly areas: readonly CmaAreaConfig[] };
  /** Devices and their CMA areas; default none. */
  readonly devices: readonly DeviceConfig[];
  /** Long-term pinning policy. */
  readonly pinning: {
    /** true (default, Linux 5.9+): FOLL_LONGTERM pins migrate pages out of CMA first; false: the 2020 behaviour, pins stay in CMA. */
    readonly longtermMigratesCma: boolean;
  };
  /** Page-allocator sysctls. */
  readonly vm: {
    /** vm.min_free_kbytes; absent means Linux's default formula (init_per_zone_wmark_min). */
    readonly minFreeKbytes?: number;
    /** vm.watermark_scale_factor (1..3000); default 10. */
    readonly watermarkScaleFactor: number;
  };
  /** dma-buf heaps; absent means DEFAULT_HEAPS_CONFIG (use heapsConfigOf). */
  readonly heaps?: HeapsConfig;
}

/** The dma-buf heaps beyond what every machine has (the config's `heaps` section). */
export interface HeapsConfig {
  /** The system heap, its variants, pools and deferred freeing. */
  readonly system: SystemHeapsOptions;
  /** CPA-style pools, each exported as a heap of the same name; default none. */
  readonly cpa: readonly CpaPoolOptions[];
  /** Chunk heaps bound to CMA areas (read it with chunkHeapsOf); absent means none. */
  readonly chunk?: readonly ChunkHeapOptions[];
}

/** The heaps of a config without a `heaps` section: mainline 6.1 (plus the half-of-RAM cap). */
export const DEFAULT_HEAPS_CONFIG: HeapsConfig = { system: DEFAULT_SYSTEM_HEAPS_OPTIONS, cpa: [] };
/** net/core page_pool_init() rejects a larger ring with E2BIG. */
export const MAX_STATIC_POOL_ENTRIES = 32768;

/** The heaps section of `config`, defaults filled in. */
export function heapsConfigOf(config: MachineConfig): HeapsConfig {
  return config.heaps ?? DEFAULT_HEAPS_CONFIG;
}

/** The chunk heaps of a heaps section, in config order (none when the field is absent). */
export function chunkHeapsOf(heaps: HeapsConfig): readonly ChunkHeapOptions[] {
  return heaps.chunk ?? [];
}

/** The largest chunk a chunk heap may use: one MAX_PAGE_ORDER block (4 MiB). */
export const MAX_CHUNK_SIZE_BYTES = pagesToBytes(2 ** MAX_PAGE_ORDER);

/** What `--mem` and `--cmdline` ask for; both optional. */
export interface CliOverrides {
  /** `--mem`: the size of the (single) bank. */
  readonly memBytes?: number;
  /** `--cmdline`: replaces the config's kernel command line. */
  readonly cmdline?: string;
}

// ---------------------------------------------------------------------------------------------
// Schema: shape, types, unknown fields, sizes. Semantic checks follow below.

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Converts a JSON size (number of bytes, or "256M"/"0x1000" string) to bytes. */
function sizeToBytes(value: unknown): Result<number> {
  if (value === undefined) return err('EINVAL', 'missing (required)');
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return ok(value);
    return err('EINVAL', `must be a whole number of bytes >= 0 (got ${value})`);
  }
  if (typeof value === 'string') {
    const parsed = parseSize(value);
    if (parsed.ok) return parsed;
    return err('EINVAL', `expected a size such as 4096, "256M" or "0x40000000" (got ${describeValue(value)})`);
  }
  return err('EINVAL', `expected a size (bytes, or a string like "256M"), got ${describeValue(value)}`);
}

const sizeField = z.unknown().transform((value, ctx) => {
  const bytes = sizeToBytes(value);
  if (bytes.ok) return bytes.value;
  ctx.issues.push({ code: 'custom', message: bytes.detail, input: value });
  return z.NEVER;
});

const nameField = z.string().regex(NAME_PATTERN, {
  error: 'must be 1-63 characters from A-Z a-z 0-9 _ . - (not starting with . or -)',
});

const bankSchema = z.strictObject({
  name: nameField,
  base: sizeField,
  size: sizeField,
  zone: z.enum(ZONE_KINDS, { error: `must be one of ${ZONE_KINDS.join(', ')}` }),
  node: z.number().int().min(0, { error: 'must be between 0 and 63' }).max(63, { error: 'must be between 0 and 63' }).optional(),
});

const reservationSchema = z.strictObject({ label: nameField, base: sizeField, size: sizeField });

const cmaAreaSchema = z.strictObject({
  name: nameField,
  size: sizeField,
  base: sizeField.optional(),
  range: z.strictObject({ start: sizeField, end: sizeField }).optional(),
  alignment: sizeField.optional(),
  orderPerBit: z.number().int()
    .min(0, { error: `must be between 0 and ${MAX_PAGE_ORDER}` })
    .max(MAX_PAGE_ORDER, { error: `must be between 0 and ${MAX_PAGE_ORDER}` })
    .default(0),
  bank: nameField.optional(),
});

const deviceSchema = z.strictObject({
  name: nameField,
  cma: z.array(nameField).default([]),
  exportHeap: z.boolean().default(false),
});

const orderBetween = (min: number) => z.number().int()
  .min(min, { error: `must be between ${min} and ${MAX_PAGE_ORDER}` })
  .max(MAX_PAGE_ORDER, { error: `must be between ${min} and ${MAX_PAGE_ORDER}` });
const blockCountField = z.number().int().min(0, { error: 'must be a whole number >= 0' });
const CACHINGS = ['cached', 'write-combined', 'uncached'] as const;

const systemHeapsSchema = z.strictObject({
  pool: z.enum(['none', 'static', 'shrinker'], { error: 'must be one of none, static, shrinker' }).default('none'),
  shrinkerStyle: z.enum(['ion', 'ttm'], { error: 'must be one of ion, ttm' }).default('ion'),
  staticPoolEntries: z.number().int()
    .min(1, { error: `must be between 1 and ${MAX_STATIC_POOL_ENTRIES}` })
    .max(MAX_STATIC_POOL_ENTRIES, { error: `must be at most ${MAX_STATIC_POOL_ENTRIES}, the largest ring page_pool_init accepts (E2BIG)` })
    .default(DEFAULT_SYSTEM_HEAPS_OPTIONS.staticPoolEntries),
  poolLimit: sizeField.optional(),
  deferredFree: z.boolean().default(false),
  zeroBudgetPerTick: sizeField.optional(),
  sizeCap: z.boolean().default(true),
  variants: z.array(z.strictObject({
    name: nameField,
    caching: z.enum(CACHINGS, { error: `must be one of ${CACHINGS.join(', ')}` }),
  })).default([]),
});

const cpaPoolSchema = z.strictObject({
  name: nameField,
  order: orderBetween(1).default(9),
  lowmark: blockCountField,
  fillmark: blockCountField,
  highmark: blockCountField,
  alignOrder: orderBetween(0).default(0),
});

const chunkHeapSchema = z.strictObject({ name: nameField, area: nameField, chunkSize: sizeField });

const heapsSchema = z.strictObject({
  system: systemHeapsSchema.default({
    pool: 'none', shrinkerStyle: 'ion', staticPoolEntries: DEFAULT_SYSTEM_HEAPS_OPTIONS.staticPoolEntries,
    deferredFree: false, sizeCap: true, variants: [],
  }),
  cpa: z.array(cpaPoolSchema).default([]),
  chunk: z.array(chunkHeapSchema).default([]),
});

const machineSchema = z.strictObject({
  banks: z.array(bankSchema).min(1, { error: 'must list at least one bank' }),
  cpus: z.number().int().min(1, { error: 'must be between 1 and 64' }).max(64, { error: 'must be between 1 and 64' }).default(2),
  reserved: z.array(reservationSchema).optional(),
  cmdline: z.string().default(''),
  cma: z.strictObject({ areas: z.array(cmaAreaSchema).default([]) }).default({ areas: [] }),
  devices: z.array(deviceSchema).default([]),
  pinning: z.strictObject({ longtermMigratesCma: z.boolean().default(true) }).default({ longtermMigratesCma: true }),
  vm: z.strictObject({
    minFreeKbytes: z.number().int().min(0, { error: 'must be a whole number >= 0' }).optional(),
    watermarkScaleFactor: z.number().int()
      .min(1, { error: `must be between 1 and ${WATERMARK_SCALE_FACTOR_MAX}` })
      .max(WATERMARK_SCALE_FACTOR_MAX, { error: `must be between 1 and ${WATERMARK_SCALE_FACTOR_MAX}` })
      .default(10),
  }).default({ watermarkScaleFactor: 10 }),
  heaps: heapsSchema.optional(),
});

type ParsedMachine = z.output<typeof machineSchema>;

/** `["banks", 1, "size"]` → `banks[1].size`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
  object: 'an object', array: 'an array',
};

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'missing (required)';
    return `expected ${EXPECTED_TEXT[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
  }
  const input = issue.input;
  if (issue.code === 'custom' || input === undefined || (typeof input === 'object' && input !== null)) return issue.message;
  return `${issue.message} (got ${describeValue(input)})`;
}

/** One line for the most useful zod issue: unknown fields first (a typo also causes "missing"). */
function formatIssues(issues: readonly z.core.$ZodIssue[], source: string): string {
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown !== undefined && unknown.code === 'unrecognized_keys') {
    const field = formatPath([...unknown.path, unknown.keys[0] ?? '']);
    return `${source}: ${field}: unknown field`;
  }
  const first = issues[0];
  if (first === undefined) return `${source}: invalid machine config`;
  const path = formatPath(first.path);
  return path === '' ? `${source}: ${issueMessage(first)}` : `${source}: ${path}: ${issueMessage(first)}`;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks on the normalized config. Each returns "path: problem" or undefined.

type Problem = string | undefined;

function alignmentProblem(path: string, bytes: number): Problem {
  if (bytes % BANK_ALIGN_BYTES !== 0) return `${path}: must be a multiple of ${formatSize(BANK_ALIGN_BYTES)} (got ${formatSize(bytes)})`;
  return undefined;
}

function rangeText(baseBytes: number, sizeBytes: number): string {
  return `0x${baseBytes.toString(16)}-0x${(baseBytes + sizeBytes).toString(16)}`;
}

function firstDuplicate(names: readonly string[]): { index: number; first: number } | undefined {
  const seen = new Map<string, number>();
  for (const [index, name] of names.entries()) {
    const first = seen.get(name);
    if (first !== undefined) return { index, first };
    seen.set(name, index);
  }
  return undefined;
}

function duplicateProblem(field: string, key: string, names: readonly string[]): Problem {
  const duplicate = firstDuplicate(names);
  if (duplicate === undefined) return undefined;
  return `${field}[${duplicate.index}].${key}: "${names[duplicate.index]}" is already used by ${field}[${duplicate.first}]`;
}

function bankProblem(bank: BankConfig, index: number): Problem {
  const path = `banks[${index}]`;
  if (bank.sizeBytes === 0) return `${path}.size: must be > 0`;
  const problem = alignmentProblem(`${path}.base`, bank.baseBytes) ?? alignmentProblem(`${path}.size`, bank.sizeBytes);
  if (problem !== undefined) return problem;
  if (bank.baseBytes + bank.sizeBytes > MAX_PHYS_ADDR_BYTES) {
    return `${path}: ends at 0x${(bank.baseBytes + bank.sizeBytes).toString(16)}, beyond the 52-bit physical address space`;
  }
  return undefined;
}

function overlapProblem(banks: readonly BankConfig[]): Problem {
  const order = banks.map((bank, index) => ({ bank, index })).sort((a, b) => a.bank.baseBytes - b.bank.baseBytes);
  for (let i = 1; i < order.length; i++) {
    const lower = order[i - 1];
    const upper = order[i];
    if (lower === undefined || upper === undefined) continue;
    if (upper.bank.baseBytes < lower.bank.baseBytes + lower.bank.sizeBytes) {
      const [a, b] = upper.index > lower.index ? [upper, lower] : [lower, upper];
      return `banks[${a.index}]: ${a.bank.name} (${rangeText(a.bank.baseBytes, a.bank.sizeBytes)}) overlaps ` +
        `banks[${b.index}] ${b.bank.name} (${rangeText(b.bank.baseBytes, b.bank.sizeBytes)})`;
    }
  }
  return undefined;
}

function limitsProblem(banks: readonly BankConfig[]): Problem {
  const memoryBytes = banks.reduce((sum, bank) => sum + bank.sizeBytes, 0);
  if (memoryBytes > MAX_MEMORY_BYTES) {
    return `banks: ${formatSize(memoryBytes)} of memory in total, more than the ${formatSize(MAX_MEMORY_BYTES)} limit`;
  }
  const lowBytes = Math.min(...banks.map((bank) => bank.baseBytes));
  const highBytes = Math.max(...banks.map((bank) => bank.baseBytes + bank.sizeBytes));
  if (highBytes - lowBytes > MAX_SPAN_BYTES) {
    return `banks: the banks span ${formatSize(highBytes - lowBytes)} (${rangeText(lowBytes, highBytes - lowBytes)}), ` +
      `more than the ${formatSize(MAX_SPAN_BYTES)} limit`;
  }
  return undefined;
}

function banksProblem(banks: readonly BankConfig[]): Problem {
  for (const [index, bank] of banks.entries()) {
    const problem = bankProblem(bank, index);
    if (problem !== undefined) return problem;
  }
  return duplicateProblem('banks', 'name', banks.map((bank) => bank.name)) ?? overlapProblem(banks) ?? limitsProblem(banks);
}

function containingBank(banks: readonly BankConfig[], baseBytes: number, sizeBytes: number): BankConfig | undefined {
  return banks.find((bank) => baseBytes >= bank.baseBytes && baseBytes + sizeBytes <= bank.baseBytes + bank.sizeBytes);
}

function reservedProblem(config: MachineConfig): Problem {
  for (const [index, range] of config.reserved.entries()) {
    const path = `reserved[${index}]`;
    if (range.sizeBytes === 0) return `${path}.size: must be > 0`;
    const problem = alignmentProblem(`${path}.base`, range.baseBytes) ?? alignmentProblem(`${path}.size`, range.sizeBytes);
    if (problem !== undefined) return problem;
    if (containingBank(config.banks, range.baseBytes, range.sizeBytes) === undefined) {
      return `${path}: ${rangeText(range.baseBytes, range.sizeBytes)} is not inside one bank`;
    }
    const other = config.reserved.findIndex((o, i) => i < index &&
      o.baseBytes < range.baseBytes + range.sizeBytes && range.baseBytes < o.baseBytes + o.sizeBytes);
    if (other >= 0) return `${path}: ${rangeText(range.baseBytes, range.sizeBytes)} overlaps reserved[${other}]`;
  }
  return duplicateProblem('reserved', 'label', config.reserved.map((range) => range.label));
}

function cmaAreaProblem(area: CmaAreaConfig, index: number, banks: readonly BankConfig[]): Problem {
  const path = `cma.areas[${index}]`;
  if (area.sizeBytes === 0) return `${path}.size: must be > 0`;
  if (area.baseBytes !== undefined && area.range !== undefined) {
    return `${path}: base (a fixed placement) and range (placement limits) exclude each other`;
  }
  if (area.range !== undefined && area.range.startBytes >= area.range.endBytes) {
    return `${path}.range: start must be below end (got ${rangeText(area.range.startBytes, area.range.endBytes - area.range.startBytes)})`;
  }
  const alignment = area.alignmentBytes;
  if (alignment < PAGE_SIZE || !isPowerOfTwo(alignment)) {
    return `${path}.alignment: must be a power of two >= 4K (got ${formatSize(alignment)})`;
  }
  if (area.bank !== undefined && !banks.some((bank) => bank.name === area.bank)) {
    return `${path}.bank: no bank is named "${area.bank}"`;
  }
  return undefined;
}

function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && 2 ** Math.round(Math.log2(value)) === value;
}

function cmaProblem(config: MachineConfig): Problem {
  const areas = config.cma.areas;
  if (areas.length > MAX_CMA_AREAS) {
    return `cma.areas: ${areas.length} areas, more than MAX_CMA_AREAS (${MAX_CMA_AREAS}, which includes the cma= area)`;
  }
  for (const [index, area] of areas.entries()) {
    const problem = cmaAreaProblem(area, index, config.banks);
    if (problem !== undefined) return problem;
  }
  return duplicateProblem('cma.areas', 'name', areas.map((area) => area.name));
}

function deviceProblem(device: DeviceConfig, index: number, areaNames: ReadonlySet<string>): Problem {
  const path = `devices[${index}]`;
  for (const [i, name] of device.cmaAreas.entries()) {
    if (!areaNames.has(name)) return `${path}.cma[${i}]: no CMA area is named "${name}" (declare it in cma.areas)`;
    if (device.cmaAreas.indexOf(name) !== i) return `${path}.cma[${i}]: "${name}" is listed twice`;
  }
  if (device.exportHeap && device.cmaAreas.length === 0) {
    return `${path}.exportHeap: the device must list the area it exports in cma`;
  }
  if (device.exportHeap && device.cmaAreas[0] === 'system') {
    return `${path}.exportHeap: a heap named "system" already exists (the system heap)`;
  }
  return undefined;
}

function devicesProblem(config: MachineConfig): Problem {
  const areaNames = new Set(config.cma.areas.map((area) => area.name));
  for (const [index, device] of config.devices.entries()) {
    const problem = deviceProblem(device, index, areaNames);
    if (problem !== undefined) return problem;
  }
  const exporters = config.devices.filter((device) => device.exportHeap);
  const heapNames = exporters.map((device) => device.cmaAreas[0] ?? '');
  const duplicate = firstDuplicate(heapNames);
  if (duplicate !== undefined) {
    const a = config.devices.indexOf(exporters[duplicate.index] as DeviceConfig);
    const b = config.devices.indexOf(exporters[duplicate.first] as DeviceConfig);
    return `devices[${a}].exportHeap: area "${heapNames[duplicate.index]}" is already exported as a heap by devices[${b}]`;
  }
  return duplicateProblem('devices', 'name', config.devices.map((device) => device.name));
}

function cpaPoolProblem(pool: CpaPoolOptions, index: number): Problem {
  const path = `heaps.cpa[${index}]`;
  if (pool.fillmark < pool.lowmark) return `${path}.fillmark: must be >= lowmark (${pool.lowmark}), got ${pool.fillmark}`;
  if (pool.highmark < pool.fillmark) return `${path}.highmark: must be >= fillmark (${pool.fillmark}), got ${pool.highmark}`;
  return undefined;
}

/** Heap names as /dev/dma_heap will hold them, each with the field that introduced it. */
function heapNames(config: MachineConfig, heaps: HeapsConfig): { name: string; field: string }[] {
  const names = [{ name: 'system', field: 'the system heap' }];
  if (cmdlineDeclaresCma(config)) names.push({ name: 'reserved', field: 'the cma= heap' });
  config.devices.forEach((device, index) => {
    if (device.exportHeap) names.push({ name: device.cmaAreas[0] ?? '', field: `devices[${index}]` });
  });
  heaps.system.variants.forEach((variant, index) => names.push({ name: variant.name, field: `heaps.system.variants[${index}]` }));
  heaps.cpa.forEach((pool, index) => names.push({ name: pool.name, field: `heaps.cpa[${index}]` }));
  chunkHeapsOf(heaps).forEach((heap, index) => names.push({ name: heap.name, field: `heaps.chunk[${index}]` }));
  return names;
}

/** Whether the command line creates the default area `reserved`: a `cma=` whose size is not 0 (dma_contiguous_reserve() skips size 0), before any `--`. */
function cmdlineDeclaresCma(config: MachineConfig): boolean {
  const cmdline = parseKernelCmdline(config.cmdline);
  return cmdline.ok && cmdline.value.cma !== undefined && cmdline.value.cma.sizeBytes > 0;
}

/** A chunk heap's chunk size and area: a power of two in 4K..4M, a declared area, no smaller than one bitmap bit. */
function chunkHeapProblem(config: MachineConfig, heap: ChunkHeapOptions, index: number): Problem {
  const path = `heaps.chunk[${index}]`;
  const size = heap.chunkSizeBytes;
  if (size < PAGE_SIZE || !isPowerOfTwo(size)) return `${path}.chunkSize: must be a power of two >= 4K (got ${formatSize(size)})`;
  if (size > MAX_CHUNK_SIZE_BYTES) return `${path}.chunkSize: must be at most ${formatSize(MAX_CHUNK_SIZE_BYTES)} (order ${MAX_PAGE_ORDER}) (got ${formatSize(size)})`;
  const area = config.cma.areas.find((each) => each.name === heap.area);
  if (area === undefined && !(heap.area === 'reserved' && cmdlineDeclaresCma(config))) {
    return `${path}.area: no CMA area is named "${heap.area}" (declare it in cma.areas, or use "reserved" with a non-zero cma= on the cmdline)`;
  }
  const bitBytes = pagesToBytes(2 ** (area?.orderPerBit ?? 0));
  if (size < bitBytes) return `${path}.chunkSize: ${formatSize(size)} is smaller than one bitmap bit of area "${heap.area}" (orderPerBit ${area?.orderPerBit} = ${formatSize(bitBytes)})`;
  return undefined;
}

function heapsProblem(config: MachineConfig): Problem {
  if (config.heaps === undefined) return undefined;
  const budget = config.heaps.system.zeroBudgetBytesPerTick;
  if (budget < PAGE_SIZE) return `heaps.system.zeroBudgetPerTick: must be at least 4K (got ${formatSize(budget)})`;
  for (const [index, pool] of config.heaps.cpa.entries()) {
    const problem = cpaPoolProblem(pool, index);
    if (problem !== undefined) return problem;
  }
  for (const [index, heap] of chunkHeapsOf(config.heaps).entries()) {
    const problem = chunkHeapProblem(config, heap, index);
    if (problem !== undefined) return problem;
  }
  const names = heapNames(config, config.heaps);
  for (const [index, entry] of names.entries()) {
    const first = names.findIndex((other) => other.name === entry.name);
    if (first !== index) return `${entry.field}.name: "${entry.name}" is already the name of ${names[first]?.field}`;
  }
  if (names.length > NUM_HEAP_MINORS) return `heaps: ${names.length} heaps, more than the ${NUM_HEAP_MINORS} dma-heap minors`;
  return undefined;
}

/** Every semantic check, in a fixed order; the first problem wins. */
function machineProblem(config: MachineConfig): Problem {
  return banksProblem(config.banks) ?? reservedProblem(config) ?? cmaProblem(config) ?? devicesProblem(config) ?? heapsProblem(config);
}

// ---------------------------------------------------------------------------------------------
// Normalization and the public entry points.

/**
 * The default boot reservation for `banks`: a `kernel` range at the start of the lowest bank of
 * min(8 MiB, total memory / 16) rounded up to 2 MiB, clamped to that bank. Assumes valid banks.
 */
export function defaultReservations(banks: readonly BankConfig[]): ReservationConfig[] {
  const lowest = [...banks].sort((a, b) => a.baseBytes - b.baseBytes)[0];
  if (lowest === undefined) return [];
  const memoryBytes = banks.reduce((sum, bank) => sum + bank.sizeBytes, 0);
  const wantedBytes = Math.min(DEFAULT_KERNEL_RESERVATION_MAX_BYTES, memoryBytes / 16);
  const sizeBytes = Math.min(Math.ceil(wantedBytes / BANK_ALIGN_BYTES) * BANK_ALIGN_BYTES, lowest.sizeBytes);
  return [{ label: 'kernel', baseBytes: lowest.baseBytes, sizeBytes }];
}

function normalizeArea(area: ParsedMachine['cma']['areas'][number]): CmaAreaConfig {
  return {
    name: area.name,
    sizeBytes: area.size,
    ...(area.base !== undefined ? { baseBytes: area.base } : {}),
    ...(area.range !== undefined ? { range: { startBytes: area.range.start, endBytes: area.range.end } } : {}),
    alignmentBytes: area.alignment ?? CMA_MIN_ALIGNMENT_BYTES,
    orderPerBit: area.orderPerBit,
    ...(area.bank !== undefined ? { bank: area.bank } : {}),
  };
}

function normalizeHeaps(heaps: NonNullable<ParsedMachine['heaps']>): HeapsConfig {
  const { poolLimit, zeroBudgetPerTick, ...system } = heaps.system;
  return {
    system: {
      ...system,
      zeroBudgetBytesPerTick: zeroBudgetPerTick ?? DEFAULT_SYSTEM_HEAPS_OPTIONS.zeroBudgetBytesPerTick,
      ...(poolLimit !== undefined ? { poolLimitBytes: poolLimit } : {}),
    },
    cpa: heaps.cpa,
    ...(heaps.chunk.length > 0 ? { chunk: heaps.chunk.map((c) => ({ name: c.name, area: c.area, chunkSizeBytes: c.chunkSize })) } : {}),
  };
}

function normalize(parsed: ParsedMachine, banks: readonly BankConfig[]): MachineConfig {
  const reserved = parsed.reserved?.map((r) => ({ label: r.label, baseBytes: r.base, sizeBytes: r.size }));
  return {
    banks,
    cpuCount: parsed.cpus,
    reserved: reserved ?? defaultReservations(banks),
    cmdline: parsed.cmdline,
    cma: { areas: parsed.cma.areas.map(normalizeArea) },
    devices: parsed.devices.map((d) => ({ name: d.name, cmaAreas: d.cma, exportHeap: d.exportHeap })),
    pinning: { longtermMigratesCma: parsed.pinning.longtermMigratesCma },
    vm: {
      ...(parsed.vm.minFreeKbytes !== undefined ? { minFreeKbytes: parsed.vm.minFreeKbytes } : {}),
      watermarkScaleFactor: parsed.vm.watermarkScaleFactor,
    },
    ...(parsed.heaps !== undefined ? { heaps: normalizeHeaps(parsed.heaps) } : {}),
  };
}

/**
 * Validates and normalizes a machine description (usually JSON.parse of a `--config` file).
 * `source` names the input in errors. Returns EINVAL with ONE line `SOURCE: PATH: PROBLEM` on the
 * first problem: a wrong type, an unknown field, a bad size, or a broken rule (alignment, overlap,
 * limits, duplicate names, dangling references).
 */
export function parseMachineConfig(raw: unknown, source: string): Result<MachineConfig> {
  const parsed = machineSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return err('EINVAL', formatIssues(parsed.error.issues, source));
  const banks = parsed.data.banks.map((bank, index) => ({
    name: bank.name, baseBytes: bank.base, sizeBytes: bank.size, zone: bank.zone, node: bank.node ?? index,
  }));
  const bankIssue = banksProblem(banks);
  if (bankIssue !== undefined) return err('EINVAL', `${source}: ${bankIssue}`);
  return checked(normalize(parsed.data, banks), source);
}

function checked(config: MachineConfig, source: string): Result<MachineConfig> {
  const problem = machineProblem(config);
  return problem === undefined ? ok(config) : err('EINVAL', `${source}: ${problem}`);
}

/**
 * The machine `pagelab sim` builds without `--config`: one bank `dram0` of `memBytes` at address 0
 * (zone Normal), and every other field at its default. Errors name `--mem SIZE`.
 */
export function defaultMachineConfig(options: { memBytes: number; cmdline: string }): Result<MachineConfig> {
  const raw = { banks: [{ name: 'dram0', base: 0, size: options.memBytes, zone: 'Normal' }], cmdline: options.cmdline };
  return parseMachineConfig(raw, `--mem ${formatSize(options.memBytes)}`);
}

/**
 * Applies command-line flags on top of a config file: flags win over the file. `--cmdline` replaces
 * the file's `cmdline`. `--mem` resizes the only bank (an error when the file has several banks,
 * since which bank to resize would be a guess); the default `kernel` reservation follows the new
 * size, while reservations written in the file are kept and must still fit.
 */
export function mergeCliOverrides(config: MachineConfig, overrides: CliOverrides): Result<MachineConfig> {
  const withCmdline = overrides.cmdline === undefined ? config : { ...config, cmdline: overrides.cmdline };
  if (overrides.memBytes === undefined) return ok(withCmdline);
  const source = `--mem ${formatSize(overrides.memBytes)}`;
  const [bank] = config.banks;
  if (bank === undefined || config.banks.length !== 1) {
    return err('EINVAL', `${source}: the config file describes ${config.banks.length} banks; --mem can only resize a single-bank machine (edit banks[] instead)`);
  }
  const banks = [{ ...bank, sizeBytes: overrides.memBytes }];
  const reservedWasDefault = JSON.stringify(config.reserved) === JSON.stringify(defaultReservations(config.banks));
  const bankIssue = banksProblem(banks);
  if (bankIssue !== undefined) return err('EINVAL', `${source}: ${bankIssue}`);
  const reserved = reservedWasDefault ? defaultReservations(banks) : config.reserved;
  return checked({ ...withCmdline, banks, reserved }, source);
}
