import type { Command } from 'commander';
import type { Io } from '../../core/io.js';
import { registerVersion } from './version.js';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, io: Io) => void;

/** Every subcommand of `mutiny`, in the order `mutiny --help` lists them. One line per command module. */
export const COMMANDS: RegisterCommand[] = [
  registerVersion,
];
