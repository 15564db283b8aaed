"""The readable table of a bench/run result (a Markdown table, so that it can go into
docs/performance.md as printed)."""

NOT_MEASURED = ('not implemented yet', 'not available')


def spread(s, scale=1.0, digits=1, unit=''):
    """'median unit (min–max)' of a measure.summary."""
    if not s:
        return '-'
    f = '%%.%df' % digits
    med = f % (s['median'] * scale)
    if s['n'] < 2:
        return '%s%s (1 run)' % (med, unit)
    return '%s%s (%s–%s)' % (med, unit, f % (s['min'] * scale), f % (s['max'] * scale))


def ratio(a, b, digits=2):
    if not a or not b or not b['median']:
        return '-'
    return ('%%.%df' % digits) % (a['median'] / b['median'])


def verdict(value, goal_met):
    return value if goal_met is None else '%s %s' % (value, 'met' if goal_met else 'MISSED')


def med(s):
    return s['median'] if s else None


def winrm_rows(res):
    rows = []
    one, floor, sess = res.get('oneshot', {}), res.get('floor'), res.get('session', {})
    nano = one.get('nanosh')
    peers = [p for p in ('pywinrm', 'go') if p in one]
    for p in peers:
        r = ratio(nano['wall_s'], one[p]['wall_s'])
        goal = '≤ 0.5' if p == 'pywinrm' else ''
        met = (float(r) <= 0.5) if p == 'pywinrm' and r != '-' else None
        rows.append(('one-shot `-c "echo hi"` wall', spread(nano['wall_s'], 1e3, 1, ' ms'),
                     '%s %s' % (p, spread(one[p]['wall_s'], 1e3, 1, ' ms')), verdict(r, met), goal))
    if 'go' not in one:
        rows.append(('one-shot wall', spread(nano['wall_s'], 1e3, 1, ' ms'), 'Go masterzen/winrm: %s' % res['go'],
                     '-', ''))
    if floor:
        r = ratio(nano['wall_s'], floor['wall_s'])
        rows.append(('one-shot wall vs server floor', spread(nano['wall_s'], 1e3, 1, ' ms'),
                     'floor %s' % spread(floor['wall_s'], 1e3, 1, ' ms'),
                     verdict(r, float(r) <= 1.1 if r != '-' else None), '≤ 1.1'))
    if sess:
        n = res['session_count']
        for p in [p for p in ('pywinrm', 'go') if p in sess]:
            r = ratio(sess['nanosh']['commands_per_s'], sess[p]['commands_per_s'])
            rows.append(('%d commands in one session, commands/s' % n,
                         spread(sess['nanosh']['commands_per_s'], 1, 0),
                         '%s %s' % (p, spread(sess[p]['commands_per_s'], 1, 0)), r, 'higher is better'))
    reqs = lambda c: '%g' % med(one[c]['requests'])   # noqa: E731
    cold_goal = 7 if res['auth'] == 'ntlm' else 5
    rows.append(('HTTP requests, cold one-shot', reqs('nanosh'), 'pywinrm %s' % reqs('pywinrm')
                 + ('; floor %g' % med(floor['requests']) if floor else ''),
                 verdict('-', med(one['nanosh']['requests']) <= cold_goal), '≤ %d' % cold_goal))
    if sess:
        rpc = lambda c: '%.2f' % sess[c]['requests_per_command']   # noqa: E731
        rows.append(('HTTP requests per command in a session', rpc('nanosh'),
                     '; '.join('%s %s' % (p, rpc(p)) for p in ('pywinrm', 'go') if p in sess),
                     verdict('-', sess['nanosh']['requests_per_command'] <= 3.0 + 1e-9), '≤ 3'))
    for p in peers:
        r = ratio(nano['cpu_s'], one[p]['cpu_s'], 3)
        goal, met = ('≤ 0.05', float(r) <= 0.05) if p == 'pywinrm' else ('< 1', float(r) < 1)
        rows.append(('client CPU (user+sys), one-shot', spread(nano['cpu_s'], 1e3, 1, ' ms'),
                     '%s %s' % (p, spread(one[p]['cpu_s'], 1e3, 1, ' ms')), verdict(r, met), goal))
    if sess:
        for p in [p for p in ('pywinrm', 'go') if p in sess]:
            r = ratio(sess['nanosh']['cpu_per_command_s'], sess[p]['cpu_per_command_s'], 3)
            rows.append(('client CPU per command in a session', spread(sess['nanosh']['cpu_per_command_s'], 1e3, 2,
                                                                       ' ms'),
                         '%s %s' % (p, spread(sess[p]['cpu_per_command_s'], 1e3, 2, ' ms')), r, ''))
    rss = lambda c: spread(one[c]['maxrss_kib'], 1 / 1024, 1, ' MiB')   # noqa: E731
    rows.append(('peak RSS, one-shot', rss('nanosh'), '; '.join('%s %s' % (p, rss(p)) for p in peers),
                 verdict(ratio(nano['maxrss_kib'], one['pywinrm']['maxrss_kib']),
                         med(nano['maxrss_kib']) <= 12 * 1024), '≤ 12 MiB'))
    return rows


def transfer_rows(res):
    rows = []
    up = res.get('upload')
    if up:
        r = ratio(up['nanosh']['mb_per_s'], up['pywinrm']['mb_per_s'])
        cut = ' [runs cut by the time budget]' if any(v['cut_by_time_budget'] for v in up.values()) else ''
        rows.append(('upload %d MiB over WinRM, MB/s%s' % (res['upload_bytes'] >> 20, cut),
                     spread(up['nanosh']['mb_per_s'], 1, 2), 'pywinrm %s' % spread(up['pywinrm']['mb_per_s'], 1, 2),
                     verdict(r, float(r) >= 3 if r != '-' else None), '≥ 3'))
    rows.append(('upload 64 MiB over SMB, MB/s', res['smb_upload'], 'smbclient put', '-', '≥ 0.9'))
    seal = res.get('seal')
    if seal:
        r = ratio(seal['nanosh_mb_per_s'], seal['openssl_combined_mb_per_s'])
        rows.append(('NTLM seal+sign, MB/s', spread(seal['nanosh_mb_per_s'], 1, 0),
                     'openssl speed RC4 %s + HMAC-MD5 %s = %s' % (
                         spread(seal['openssl_rc4_mb_per_s'], 1, 0), spread(seal['openssl_hmac_md5_mb_per_s'], 1, 0),
                         spread(seal['openssl_combined_mb_per_s'], 1, 0)),
                     verdict(r, float(r) >= 0.8 if r != '-' else None), '≥ 0.8'))
    rows.append(('fleet bootstrap, 200 hosts, -j 64', res['fleet'], 'sequential nanosh', '-', ''))
    return rows


def table(res):
    head = ('figure', 'nanosh: median (min–max)', 'peer: median (min–max)', 'ratio', 'goal')
    rows = winrm_rows(res) if 'oneshot' in res else []
    rows += transfer_rows(res)
    lines = ['| %s |' % ' | '.join(head), '|%s' % ('---|' * len(head))]
    lines += ['| %s |' % ' | '.join(r) for r in rows]
    return '\n'.join(lines)


def preamble(res):
    m = res['machine']
    lines = ['%s; %s' % (res['date'], m['summary']),
             'auth: %s' % res['auth_label'],
             'runs per figure: %d (after one warm-up run where noted)' % res['runs']]
    if res.get('auth_note'):
        lines.append('note: ' + res['auth_note'])
    for f in res.get('failures', []):
        lines.append('FAILED: ' + f)
    return '\n'.join(lines)
