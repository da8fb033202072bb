import { client } from './client.js';
import { RAW, sub, type Command } from './commandTable.js';
import { exec } from './commands/exec.js';
import { files } from './commands/files.js';
import { filestore } from './commands/filestore.js';
import { logs, processes } from './commands/processes.js';
import { sandbox } from './commands/sandbox.js';
import { snapshot } from './commands/snapshot.js';
import { task } from './commands/task.js';

/** The command table's part for work inside sandboxes: sandboxes, exec, files, tasks, snapshots. */
export const WORKSPACE_COMMANDS: Command[] = [
  {
    name: 'sandbox',
    aliases: ['sandboxes'],
    summary: 'sandboxes: create, list, stop, start, remove, open a shell',
    subcommands: [
      sub(
        'create',
        '[--memory MB] [--cpus N] [--pids N] [--disk MB] [--env K=V]... [--meta K=V]... [--filestore NAME:/data/PATH[:ro|rw]]...',
        'a new sandbox; prints its id',
        'paddock sandbox create --memory 512 --filestore inputs:/data/inputs --filestore out:/data/out:rw',
      ),
      sub(
        'ls',
        '[--status STATUS]',
        'sandboxes with status and limits',
        'paddock sandbox ls --status running',
      ),
      sub(
        'get',
        'SANDBOX',
        'the sandbox with its processes and preview',
        'paddock sandbox get sb0123',
      ),
      sub('stop', 'SANDBOX', 'stop it (the workspace stays)', 'paddock sandbox stop sb0123'),
      sub('start', 'SANDBOX', 'start it again', 'paddock sandbox start sb0123'),
      sub('rm', 'SANDBOX...', 'remove sandboxes', 'paddock sandbox rm sb0123'),
      sub(
        'shell',
        'SANDBOX [--cwd DIR] [--shell PATH]',
        "the sandbox's terminal in this one",
        'paddock sandbox shell sb0123',
        RAW,
      ),
    ],
    run: (argv) => sandbox(client(), argv),
  },
  {
    name: 'shell',
    summary: "a sandbox's terminal in this one (paddock sandbox shell)",
    args: 'SANDBOX [--cwd DIR] [--shell PATH]',
    example: 'paddock shell sb0123 --cwd /workspace',
    json: false,
    run: (argv) => sandbox(client(), ['shell', ...argv]),
  },
  {
    name: 'exec',
    summary: "run a command in a sandbox; exits with the command's code",
    args: 'SANDBOX [--cwd DIR] [--env K=V]... [--timeout MS] -- CMD [ARGS...]',
    example: "paddock exec sb0123 --cwd /workspace -- 'npm test'",
    run: (argv) => exec(client(), argv),
  },
  {
    name: 'files',
    summary: 'files in a sandbox: copy, list, watch, push and pull trees',
    subcommands: [
      sub(
        'get',
        'SANDBOX PATH [LOCAL]',
        'a file to LOCAL or stdout',
        'paddock files get sb0123 src/app.ts app.ts',
        RAW,
      ),
      sub(
        'put',
        'SANDBOX LOCAL PATH',
        'a local file ("-": stdin) into the sandbox',
        'paddock files put sb0123 ./logo.png public/logo.png',
      ),
      sub(
        'ls',
        'SANDBOX [PATH] [--depth N]',
        'a directory listing',
        'paddock files ls sb0123 src --depth 2',
      ),
      sub(
        'watch',
        'SANDBOX [PATH] [--recursive] [--include-ignored]',
        'a line per change until interrupted',
        'paddock files watch sb0123 src --recursive',
        RAW,
      ),
      sub(
        'push',
        'SANDBOX LOCAL_DIR REMOTE_DIR',
        'a local directory tree into the sandbox',
        'paddock files push sb0123 ./site /workspace/site',
      ),
      sub(
        'pull',
        'SANDBOX REMOTE_DIR LOCAL_DIR',
        "a sandbox's directory tree to this machine",
        'paddock files pull sb0123 /workspace/dist ./dist',
      ),
    ],
    run: (argv) => files(client(), argv),
  },
  {
    name: 'processes',
    aliases: ['ps'],
    summary: "a sandbox's supervised processes",
    subcommands: [
      sub(
        'ls',
        'SANDBOX',
        'processes with status, pid, restarts and health',
        'paddock processes ls sb0123',
      ),
      sub(
        'restart',
        'SANDBOX PROCESS',
        'restart a process now',
        'paddock processes restart sb0123 web',
      ),
    ],
    run: (argv) => processes(client(), argv),
  },
  {
    name: 'logs',
    summary: "a process's log; -f follows it",
    args: 'SANDBOX PROCESS [-f] [--tail BYTES]',
    example: 'paddock logs sb0123 web -f',
    run: (argv) => logs(client(), argv),
  },
  {
    name: 'task',
    aliases: ['tasks'],
    summary: 'agent tasks: run one in a sandbox, follow it, see its diff',
    subcommands: [
      sub(
        'run',
        "SANDBOX --script 'CMD' | --provider P --prompt 'TEXT' [--model M] [--timeout SECONDS] [--follow]",
        'start a task; --follow prints its log and exits 0 only when it succeeded',
        "paddock task run sb0123 --script 'npm run build' --follow",
      ),
      sub('ls', 'SANDBOX', "the sandbox's tasks", 'paddock task ls sb0123'),
      sub('get', 'TASK', 'the task with its result', 'paddock task get task0123'),
      sub(
        'follow',
        'TASK',
        'the log so far, then live, until it ends',
        'paddock task follow task0123',
      ),
      sub('diff', 'TASK', 'what the task changed, as a patch', 'paddock task diff task0123', RAW),
      sub('cancel', 'TASK', 'stop a running task', 'paddock task cancel task0123'),
    ],
    run: (argv) => task(client(), argv),
  },
  {
    name: 'snapshot',
    aliases: ['snapshots'],
    summary: 'snapshots of a workspace: capture, export, import, restore, fork',
    subcommands: [
      sub(
        'create',
        'SANDBOX NAME',
        'capture the workspace',
        'paddock snapshot create sb0123 before-upgrade',
      ),
      sub('ls', 'APP', "the app's snapshots", 'paddock snapshot ls app0123'),
      sub('get', 'SNAPSHOT', 'one snapshot', 'paddock snapshot get snp0123'),
      sub('rm', 'SNAPSHOT', 'delete it', 'paddock snapshot rm snp0123'),
      sub(
        'export',
        'SNAPSHOT [-o FILE.tar]',
        'as a tar (stdout without -o)',
        'paddock snapshot export snp0123 -o before.tar',
        RAW,
      ),
      sub(
        'import',
        'FILE.tar[.gz] --name NAME',
        'a snapshot from a tar',
        'paddock snapshot import before.tar --name restored',
      ),
      sub(
        'restore',
        'APP SNAPSHOT --yes',
        "replace the app's workspace with it",
        'paddock snapshot restore app0123 snp0123 --yes',
      ),
      sub(
        'fork',
        'APP SNAPSHOT [--name NAME]',
        'a new app starting from it',
        'paddock snapshot fork app0123 snp0123 --name copy',
      ),
    ],
    run: (argv) => snapshot(client(), argv),
  },
  {
    name: 'filestore',
    aliases: ['filestores'],
    summary: 'stores of user data that outlive sandboxes: files, mounts, S3 backends',
    subcommands: [
      sub(
        'create',
        'NAME [--backend NAME]',
        'a new filestore (local unless --backend)',
        'paddock filestore create inputs',
      ),
      sub(
        'ls',
        '[FILESTORE [--prefix DIR]]',
        'your filestores, or the files of one',
        'paddock filestore ls inputs',
      ),
      sub('get', 'FILESTORE', 'one filestore with its usage', 'paddock filestore get inputs'),
      sub(
        'put',
        'FILESTORE PATH FILE',
        'upload a file (streamed)',
        'paddock filestore put inputs data/rows.csv ./rows.csv',
      ),
      sub(
        'cat',
        'FILESTORE PATH [-o FILE]',
        'download a file (stdout without -o)',
        'paddock filestore cat inputs data/rows.csv -o rows.csv',
        RAW,
      ),
      sub('mv', 'FILESTORE FROM TO', 'move a file', 'paddock filestore mv inputs a.csv b.csv'),
      sub(
        'rm',
        'FILESTORE [PATH]',
        'delete a file, or the whole filestore',
        'paddock filestore rm inputs data/rows.csv',
      ),
      sub(
        'backend',
        'ls | rm NAME | add NAME --endpoint URL --bucket B [--region R] [--key-prefix P] --access-key-id ID --secret-access-key-stdin',
        'S3-compatible backends (admin; the secret key on stdin)',
        'paddock filestore backend add lake --endpoint https://s3.example --bucket data --access-key-id AK --secret-access-key-stdin < key',
      ),
    ],
    run: (argv) => filestore(client(), argv),
  },
];
