#!/usr/bin/env python3
"""docs/fleet.md holds what it promises: its Kubernetes manifest is YAML a cluster would
take as an Indexed Job whose N matches --shard auto/N, with the inventory from a ConfigMap
and the password from a Secret mounted as a file (never in env or args); and its Python
shard function gives the FNV-1a 64 values that shell/fleet/shard.c uses (the reference
values of tests/fleet/test_shard.c). TAP output."""
import os
import re
import sys

ROOT = os.environ.get('TOP_SRCDIR') or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
n = 0
failed = 0


def check(cond, name):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, name))


def main():
    text = open(os.path.join(ROOT, 'docs', 'fleet.md'), encoding='utf-8').read()
    pys = re.findall(r'```python\n(.*?)```', text, re.S)
    check(len(pys) == 1, 'one Python block (the shard function)')
    scope = {}
    exec(pys[0], scope)
    shard = scope['shard']
    check(shard('', 2**64) == 0xcbf29ce484222325 + 1 and shard('a', 2**64) == 0xaf63dc4c8601ec8c + 1
          and shard('foobar', 2**64) == 0x85944171f73967e8 + 1, 'the shard function is FNV-1a 64')
    check(shard('NANO01.Example.com', 8) == shard('nano01.example.com', 8)
          and 1 <= shard('nano01', 8) <= 8, 'it ignores case and gives K from 1 to N')

    try:
        import yaml
    except ImportError:
        print('ok %d - # SKIP python3-yaml is not installed' % (n + 1))
        print('1..%d' % (n + 1))
        return 1 if failed else 0
    blocks = re.findall(r'```yaml\n(.*?)```', text, re.S)
    check(len(blocks) == 1, 'one YAML block (the manifest)')
    docs = [d for d in yaml.safe_load_all(blocks[0]) if d]
    kinds = {d['kind']: d for d in docs}
    check(sorted(kinds) == ['ConfigMap', 'Job', 'PersistentVolumeClaim', 'Secret'],
          'a ConfigMap, a Secret, a volume claim and a Job')
    job = kinds['Job']
    spec = job['spec']
    check(job['apiVersion'] == 'batch/v1' and spec['completionMode'] == 'Indexed',
          'an Indexed Job of batch/v1')
    pod = spec['template']['spec']
    check(pod['restartPolicy'] in ('Never', 'OnFailure'), 'restartPolicy suits a Job')
    (c,) = pod['containers']
    args = [str(a) for a in c['args']]
    check(args[0] == 'bootstrap', 'the container runs nanosh bootstrap')

    def arg(flag):
        return args[args.index(flag) + 1] if flag in args else None
    m = re.fullmatch(r'auto/(\d+)', arg('--shard') or '')
    check(m and int(m.group(1)) == spec['completions'] and spec['parallelism'] <= spec['completions'],
          '--shard auto/N with N = completions (%s)' % spec.get('completions'))
    env = {e['name']: e for e in c.get('env', [])}
    check('$(JOB_COMPLETION_INDEX)' in (arg('--report') or '') and 'JOB_COMPLETION_INDEX' in env,
          'each index its own report, $(JOB_COMPLETION_INDEX) named in env so it expands')
    mounts = {v['name']: v['mountPath'] for v in c['volumeMounts']}
    vols = {v['name']: v for v in pod['volumes']}
    inv = [k for k, v in vols.items() if 'configMap' in v]
    sec = [k for k, v in vols.items() if 'secret' in v]
    check(len(inv) == 1 and vols[inv[0]]['configMap']['name'] == kinds['ConfigMap']['metadata']['name']
          and arg('-i') == mounts[inv[0]] + '/fleet.txt'
          and 'fleet.txt' in kinds['ConfigMap']['data'],
          '-i reads fleet.txt from the ConfigMap')
    check(len(sec) == 1 and vols[sec[0]]['secret']['secretName'] == kinds['Secret']['metadata']['name']
          and arg('--password-file') == mounts[sec[0]] + '/password'
          and 'password' in kinds['Secret']['stringData'],
          '--password-file reads the password from the Secret mounted as a file')
    leak = [e for e in c.get('env', []) if 'secretKeyRef' in str(e) or 'PASSWORD' in e['name']]
    check(not leak and not c.get('envFrom') and '--password' not in args,
          'the password is neither in the environment nor in the arguments')
    reports = arg('--report')
    check(any(reports.startswith(p + '/') for p in mounts.values())
          and any('persistentVolumeClaim' in vols[k] and reports.startswith(mounts[k] + '/')
                  for k in mounts),
          'the reports go to the shared volume')

    # Every nanosh command line in the document uses options the issue names.
    cmds = re.findall(r'nanosh (?:bootstrap|report merge|-i)[^\n]*', text)
    check(len(cmds) >= 6, 'the document shows nanosh command lines (%d)' % len(cmds))
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
