import type { Command } from 'commander';
import type { Io } from '../../core/io.js';
import { registerVersion } from './version.js';
import { registerRefresh } from './refresh.js';
import { registerClassify } from './classify.js';
import { registerExplain } from './explain.js';
import { registerLabel } from './label.js';
import { registerEval } from './eval.js';
import { registerProxy } from './proxy.js';
import { registerStats } from './stats.js';
import { registerTrend } from './trend.js';
import { registerShow } from './show.js';
import { registerSearch } from './search.js';
import { registerExport } from './export.js';
import { registerResults } from './results.js';
import { registerDecode } from './decode.js';
import { registerEncode } from './encode.js';
import { registerFields } from './fields.js';
import { registerInject } from './inject.js';
import { registerRestore } from './restore.js';
import { registerLab } from './lab.js';
import { registerCampaign } from './campaign.js';
import { registerReplay } from './replay.js';
import { registerCompare } from './compare.js';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, io: Io) => void;

/** Every subcommand of `mutiny`, in the order `mutiny --help` lists them. One line per command module. */
export const COMMANDS: RegisterCommand[] = [
  registerVersion,
  registerRefresh,
  registerClassify, registerExplain, registerLabel, registerEval,
  registerStats,
  registerTrend,
  registerShow,
  registerSearch,
  registerExport,
  registerProxy,
  registerResults,
  registerDecode, registerEncode, registerFields, registerInject, registerRestore,
  registerLab,
  registerCampaign,
  registerReplay, registerCompare,
];
