// Layout resolution: a validated MachineConfig becomes the PlatformLayout the page table boots from (banks, memblock
// reservations, CMA placement as cma_declare_contiguous and dma_contiguous_reserve would do it at boot).
import { err, ok, type Result } from '../base/errno.ts';
import { PAGE_SIZE } from '../base/units.ts';
import { cmaDeclareContiguous, dmaContiguousReserve, type CmaReserveContext } from '../cma/cma-reserve.ts';
import { parseKernelCmdline } from '../cma/cmdline.ts';
import type { BankLayout, CmaRange, PlatformLayout, ReservedRange } from '../mem/platform.ts';
import type { CmaAreaConfig, MachineConfig } from './config.ts';

/** What the command line contributed besides CMA placement, kept for the machine's report. */
export interface ResolvedLayout {
  readonly layout: PlatformLayout;
  /** Kernel parameters pagelab does not model (ignored, like an unknown parameter on a real kernel). */
  readonly ignoredParams: readonly string[];
}

function bankLayouts(config: MachineConfig): BankLayout[] {
  return config.banks.map((bank) => ({
    name: bank.name,
    node: bank.node,
    zoneKind: bank.zone,
    pfnStart: bank.baseBytes / PAGE_SIZE,
    pfnEnd: (bank.baseBytes + bank.sizeBytes) / PAGE_SIZE,
  }));
}

function reservedRanges(config: MachineConfig): ReservedRange[] {
  return config.reserved.map((r) => ({
    label: r.label,
    pfnStart: r.baseBytes / PAGE_SIZE,
    pfnEnd: (r.baseBytes + r.sizeBytes) / PAGE_SIZE,
  }));
}

/**
 * Declares one platform area (a device-tree `shared-dma-pool` node): fixed at `baseBytes`, or placed
 * top-down inside `range` (else anywhere); `bank` restricts memblock to that bank, like the nid argument.
 */
function declareArea(ctx: CmaReserveContext, area: CmaAreaConfig): Result<CmaRange> {
  const banks = area.bank === undefined ? ctx.banks : ctx.banks.filter((b) => b.name === area.bank);
  return cmaDeclareContiguous({ ...ctx, banks }, {
    sizeBytes: area.sizeBytes,
    baseBytes: area.baseBytes ?? area.range?.startBytes ?? 0,
    limitBytes: area.range?.endBytes ?? 0,
    alignmentBytes: area.alignmentBytes,
    orderPerBit: area.orderPerBit,
    fixed: area.baseBytes !== undefined,
    name: area.name,
  });
}

/**
 * Resolves banks, reservations and CMA areas. Platform areas are declared first, in config order
 * (early_init_fdt_scan_reserved_mem runs before dma_contiguous_reserve on arm64), then the default
 * area `reserved` from `cma=`. Without `cma=` there is no default area (CONFIG_CMA_SIZE_MBYTES is 0 on
 * x86). Linux only logs a failed reservation and boots without the area; pagelab refuses the config
 * instead, naming the area and the errno, because a silently missing area would mislead every test.
 */
export function resolveLayout(config: MachineConfig, source: string): Result<ResolvedLayout> {
  const cmdline = parseKernelCmdline(config.cmdline);
  if (!cmdline.ok) return err(cmdline.errno, `${source}: cmdline: ${cmdline.detail}`);
  const banks = bankLayouts(config);
  const reserved = reservedRanges(config);
  const cma: CmaRange[] = [];
  for (const [index, area] of config.cma.areas.entries()) {
    const declared = declareArea({ banks, reserved, cmaAreas: cma }, area);
    if (!declared.ok) return err(declared.errno, `${source}: cma.areas[${index}] (${area.name}): ${declared.errno}: ${declared.detail}`);
    cma.push(declared.value);
  }
  const fallback = dmaContiguousReserve({ banks, reserved, cmaAreas: cma }, cmdline.value.cma, { defaultSizeBytes: 0 });
  if (!fallback.ok) return err(fallback.errno, `${source}: cmdline "${config.cmdline}": ${fallback.errno}: ${fallback.detail}`);
  if (fallback.value !== undefined) cma.push(fallback.value);
  const layout: PlatformLayout = {
    banks,
    reserved,
    cma,
    cpuCount: config.cpuCount,
    watermarkScaleFactor: config.vm.watermarkScaleFactor,
    ...(config.vm.minFreeKbytes === undefined ? {} : { minFreeKbytes: config.vm.minFreeKbytes }),
  };
  return ok({ layout, ignoredParams: cmdline.value.unknown });
}
