#!/usr/bin/env python3
"""Generate tests/guest/realmode_alu.asm: real-mode ALU/flag tests whose
expected values come from the reference model below (written from the
Intel SDM pseudo-code, only architecturally defined flags are compared)."""
import sys

CF, PF, AF, ZF, SF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800
ALL = CF | PF | AF | ZF | SF | OF
REGS = {8: ('al', 'bl', 'cl', 'dl'), 16: ('ax', 'bx', 'cx', 'dx'),
        32: ('eax', 'ebx', 'ecx', 'edx')}
M = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF}

def parity(v):
    return PF if bin(v & 0xFF).count('1') % 2 == 0 else 0

def szp(r, s):
    f = parity(r)
    if r & M[s] == 0: f |= ZF
    if r >> (s - 1) & 1: f |= SF
    return f

def sx(v, s):
    v &= (1 << s) - 1
    return v - (1 << s) if v >> (s - 1) else v

def add(a, b, c, s):
    r = a + b + c
    f = szp(r & M[s], s)
    if r >> s: f |= CF
    if (a ^ b ^ r) & 0x10: f |= AF
    if ((a ^ r) & (b ^ r)) >> (s - 1) & 1: f |= OF
    return r & M[s], f

def sub(a, b, c, s):
    r = (a - b - c) & M[s]
    f = szp(r, s)
    if a < b + c: f |= CF
    if (a ^ b ^ r) & 0x10: f |= AF
    if ((a ^ b) & (a ^ r)) >> (s - 1) & 1: f |= OF
    return r, f

out = []
ncase = [0]
def emit(line=''):
    out.append(line)

REGIDX = {'eax': 0, 'ebx': 1, 'ecx': 2, 'edx': 3}

def case(name, regs, flags_in, op, expect, fmask, fexp):
    """regs: dict full32 reg -> value; expect: dict eax/ebx/ecx/edx -> value.
    Emits: setup, op, 'call verify' followed by inline expected data."""
    ncase[0] += 1
    emit(f'    ; {name}: {op}')
    for r, v in regs.items():
        emit(f'    mov {r}, 0x{v:08X}')
    emit(f'    push word 0x{flags_in | 2:04X}')
    emit('    popf')
    for o in op.split(';'):
        emit(f'    {o.strip()}')
    emit('    call verify')
    rm = 0
    for r in expect: rm |= 1 << REGIDX[r]
    emit(f'    dw .n{ncase[0]}, 0x{fmask:04X}, 0x{fexp & fmask:04X}')
    emit(f'    db 0x{rm:02X}')
    for r in ('eax', 'ebx', 'ecx', 'edx'):
        if r in expect:
            emit(f'    dd 0x{expect[r]:08X}')
    emit('    [section .rodata]')
    emit(f'.n{ncase[0]}: db "{name} ({op.replace(chr(34), "")})", 0')
    emit('    __SECT__')

def setreg(full, s, v):
    return (full & ~M[s] & 0xFFFFFFFF) | (v & M[s])

INIT = {'eax': 0x11111111, 'ebx': 0x22222222, 'ecx': 0x33333333, 'edx': 0x44444444}

def binop(mn, s, a, b, fin=0):
    ra, rb = REGS[s][0], REGS[s][1]
    regs = dict(INIT); regs['eax'] = setreg(regs['eax'], s, a); regs['ebx'] = setreg(regs['ebx'], s, b)
    cin = fin & CF
    mask = ALL
    if mn == 'add': r, f = add(a, b, 0, s)
    elif mn == 'adc': r, f = add(a, b, cin, s)
    elif mn == 'sub': r, f = sub(a, b, 0, s)
    elif mn == 'sbb': r, f = sub(a, b, cin, s)
    elif mn == 'cmp': _, f = sub(a, b, 0, s); r = a
    elif mn in ('and', 'or', 'xor', 'test'):
        r = {'and': a & b, 'or': a | b, 'xor': a ^ b, 'test': a & b}[mn]
        f = szp(r, s); mask = ALL & ~AF
        if mn == 'test': r = a
    exp = {'eax': setreg(regs['eax'], s, r), 'ebx': regs['ebx']}
    case(f'{mn}{s} {a:x},{b:x} cf={cin}', regs, fin, f'{mn} {ra}, {rb}', exp, mask, f)

def unop(mn, s, a, fin=0):
    ra = REGS[s][0]
    regs = dict(INIT); regs['eax'] = setreg(regs['eax'], s, a)
    if mn == 'inc':
        r, f = add(a, 1, 0, s); f = (f & ~CF) | (fin & CF)
    elif mn == 'dec':
        r, f = sub(a, 1, 0, s); f = (f & ~CF) | (fin & CF)
    elif mn == 'neg':
        r, f = sub(0, a, 0, s)
    elif mn == 'not':
        r, f = (~a) & M[s], fin
    exp = {'eax': setreg(regs['eax'], s, r)}
    case(f'{mn}{s} {a:x} cf={fin & CF}', regs, fin, f'{mn} {ra}', exp, ALL, f)

def muldiv(mn, s, a, b, d=0):
    rb = REGS[s][1]
    regs = dict(INIT)
    regs['ebx'] = setreg(regs['ebx'], s, b)
    if s == 8:
        regs['eax'] = setreg(regs['eax'], 16, a)
    else:
        regs['eax'] = setreg(regs['eax'], s, a); regs['edx'] = setreg(regs['edx'], s, d)
    exp = {}
    mask, f = CF | OF, 0
    if mn in ('mul', 'imul'):
        src = a & 0xFF if s == 8 else a
        if mn == 'mul':
            p = src * b; hi_nz = (p >> s) != 0
        else:
            p = sx(src, s) * sx(b, s); hi_nz = p != sx(p & M[s], s)
            p &= (1 << (2 * s)) - 1
        if hi_nz: f = CF | OF
        if s == 8: exp['eax'] = setreg(regs['eax'], 16, p)
        else:
            exp['eax'] = setreg(regs['eax'], s, p & M[s]); exp['edx'] = setreg(regs['edx'], s, p >> s)
    else:
        mask = 0
        if s == 8: n = a & 0xFFFF
        else: n = (d << s) | a
        if mn == 'div':
            q, r = n // b, n % b
        else:
            nn = sx(n, 2 * s); bb = sx(b, s)
            q = abs(nn) // abs(bb); q = q if (nn < 0) == (bb < 0) else -q
            r = nn - q * bb
        if s == 8: exp['eax'] = setreg(regs['eax'], 16, ((r & 0xFF) << 8) | (q & 0xFF))
        else:
            exp['eax'] = setreg(regs['eax'], s, q); exp['edx'] = setreg(regs['edx'], s, r)
    case(f'{mn}{s} {a:x},{b:x}', regs, 0, f'{mn} {rb}', exp, mask, f)

def imul2(s, a, b, imm=None):
    regs = dict(INIT); regs['eax'] = setreg(regs['eax'], s, a); regs['ebx'] = setreg(regs['ebx'], s, b)
    ra, rb = REGS[s][0], REGS[s][1]
    if imm is None:
        p = sx(a, s) * sx(b, s); op = f'imul {ra}, {rb}'
    else:
        p = sx(b, s) * imm; op = f'imul {ra}, {rb}, {imm}'
    f = CF | OF if p != sx(p & M[s], s) else 0
    exp = {'eax': setreg(regs['eax'], s, p & M[s])}
    case(f'imul{s} 2/3-op {a:x},{b:x},{imm}', regs, 0, op, exp, CF | OF, f)

def shift(mn, s, a, c, fin=0):
    ra = REGS[s][0]
    regs = dict(INIT); regs['eax'] = setreg(regs['eax'], s, a); regs['ecx'] = setreg(regs['ecx'], 8, c)
    assert 1 <= c < s
    msb = lambda v: (v >> (s - 1)) & 1
    cin = fin & CF
    mask = CF | (OF if c == 1 else 0)
    f = 0
    if mn == 'shl':
        r = (a << c) & M[s]; cf = (a >> (s - c)) & 1
        f = szp(r, s); mask |= SF | ZF | PF
        if c == 1 and (msb(r) ^ cf): f |= OF
    elif mn == 'shr':
        r = a >> c; cf = (a >> (c - 1)) & 1
        f = szp(r, s); mask |= SF | ZF | PF
        if c == 1 and msb(a): f |= OF
    elif mn == 'sar':
        r = (sx(a, s) >> c) & M[s]; cf = (sx(a, s) >> (c - 1)) & 1
        f = szp(r, s); mask |= SF | ZF | PF
    elif mn == 'rol':
        r = ((a << c) | (a >> (s - c))) & M[s]; cf = r & 1
        if c == 1 and (msb(r) ^ cf): f |= OF
    elif mn == 'ror':
        r = ((a >> c) | (a << (s - c))) & M[s]; cf = msb(r)
        if c == 1 and (msb(r) ^ ((r >> (s - 2)) & 1)): f |= OF
    elif mn == 'rcl':
        v = (cin << s) | a
        for _ in range(c):
            v = ((v << 1) | (v >> s)) & ((1 << (s + 1)) - 1)
        r = v & M[s]; cf = v >> s
        if c == 1 and (msb(r) ^ cf): f |= OF
    elif mn == 'rcr':
        if c == 1 and (msb(a) ^ cin): f |= OF
        v = (cin << s) | a
        for _ in range(c):
            v = ((v >> 1) | ((v & 1) << s))
        r = v & M[s]; cf = v >> s
    if cf: f |= CF
    if mn in ('rol', 'ror', 'rcl', 'rcr'):
        f |= fin & (SF | ZF | PF | AF)
        mask |= SF | ZF | PF | AF      # rotates leave these alone
    exp = {'eax': setreg(regs['eax'], s, r)}
    op = f'{mn} {ra}, 1' if c == 1 else f'{mn} {ra}, cl'
    case(f'{mn}{s} {a:x} by {c} cf={cin}', regs, fin, op, exp, mask, f)

def bcd(mn, ax, fin=0, imm=10):
    regs = dict(INIT); regs['eax'] = setreg(regs['eax'], 16, ax)
    al, ah = ax & 0xFF, ax >> 8
    cf, af = fin & CF, fin & AF
    f = 0
    if mn == 'daa':
        old_al, old_cf = al, cf
        ncf = 0
        if (al & 0xF) > 9 or af:
            ncf = old_cf or (al + 6 > 0xFF); al = (al + 6) & 0xFF; f |= AF
        if old_al > 0x99 or old_cf:
            al = (al + 0x60) & 0xFF; ncf = 1
        else: ncf = 0
        f |= szp(al, 8) | (CF if ncf else 0); mask = ALL & ~OF
    elif mn == 'das':
        old_al, old_cf = al, cf
        ncf = 0
        if (al & 0xF) > 9 or af:
            ncf = old_cf or (al < 6); al = (al - 6) & 0xFF; f |= AF
        if old_al > 0x99 or old_cf:
            al = (al - 0x60) & 0xFF; ncf = 1
        f |= szp(al, 8) | (CF if ncf else 0); mask = ALL & ~OF
    elif mn == 'aaa':
        if (al & 0xF) > 9 or af:
            assert al < 0xFA
            al = al + 6; ah = (ah + 1) & 0xFF; f |= AF | CF
        al &= 0xF; mask = AF | CF
    elif mn == 'aas':
        if (al & 0xF) > 9 or af:
            assert al >= 6
            al = al - 6; ah = (ah - 1) & 0xFF; f |= AF | CF
        al &= 0xF; mask = AF | CF
    elif mn == 'aam':
        ah, al = al // imm, al % imm
        f = szp(al, 8); mask = SF | ZF | PF
    elif mn == 'aad':
        al = (al + ah * imm) & 0xFF; ah = 0
        f = szp(al, 8); mask = SF | ZF | PF
    exp = {'eax': setreg(regs['eax'], 16, (ah << 8) | al)}
    op = mn if mn not in ('aam', 'aad') or imm == 10 else f'{mn} {imm}'
    case(f'{mn} ax={ax:x} fl={fin:x} imm={imm}', regs, fin, op, exp, mask, f)

def bitop(mn, s, a, bit, reg_index=False):
    regs = dict(INIT); regs['eax'] = setreg(regs['eax'], s, a)
    ra = REGS[s][0]
    b = bit % s
    cf = (a >> b) & 1
    r = {'bt': a, 'bts': a | (1 << b), 'btr': a & ~(1 << b), 'btc': a ^ (1 << b)}[mn]
    if reg_index:
        regs['ebx'] = setreg(regs['ebx'], s, bit); op = f'{mn} {ra}, {REGS[s][1]}'
    else:
        op = f'{mn} {ra}, {bit}'
    exp = {'eax': setreg(regs['eax'], s, r)}
    case(f'{mn}{s} {a:x} bit {bit}', regs, 0, op, exp, CF, CF if cf else 0)

def bsfr(mn, s, v):
    regs = dict(INIT); regs['ebx'] = setreg(regs['ebx'], s, v)
    ra, rb = REGS[s][0], REGS[s][1]
    exp = {'ebx': regs['ebx']}
    if v == 0:
        f = ZF
    else:
        f = 0
        idx = (v & -v).bit_length() - 1 if mn == 'bsf' else v.bit_length() - 1
        exp['eax'] = setreg(regs['eax'], s, idx)
    case(f'{mn}{s} {v:x}', regs, 0, f'{mn} {ra}, {rb}', exp, ZF, f)

VERIFY = r"""
; verify: called right after the instruction under test, followed by inline
; data: dw name, flag mask, expected flags; db register mask (bit0 eax,
; bit1 ebx, bit2 ecx, bit3 edx); dd expected value per selected register.
bits 16
verify:
    pushf
    mov [VARS], eax
    mov [VARS+4], ebx
    mov [VARS+8], ecx
    mov [VARS+12], edx
    pop ax
    pop si                      ; -> inline data
    and ax, [cs:si+2]
    cmp ax, [cs:si+4]
    jne .badflags
    mov cl, [cs:si+6]
    mov bx, 0
    lea di, [si+7]
.reg:
    shr cl, 1
    jnc .next
    mov eax, [cs:di]
    cmp eax, [VARS+bx]
    jne .badreg
    add di, 4
.next:
    add bx, 4
    cmp bx, 16
    jb .reg
    jmp di
.badflags:
    mov cx, ax
    FAIL_PREP
    PRINT "FAIL: "
    mov si, [cs:si]
    call puts16
    PRINT " flags got "
    movzx eax, cx
    PRINTHEX eax, 4
    PRINT 10
    jmp fail_exit16
.badreg:
    FAIL_PREP
    PRINT "FAIL: "
    mov si, [cs:si]
    call puts16
    PRINT " reg #"
    movzx eax, bx
    shr eax, 2
    PRINTHEX eax, 1
    PRINT " got "
    PRINTHEX [VARS+bx], 8
    PRINT " expected "
    mov eax, [cs:di]
    PRINTHEX eax, 8
    PRINT 10
    jmp fail_exit16
"""

# ------------------------------------------------------------------ cases
emit('; realmode_alu: real-mode ALU results and defined flags.')
emit('; GENERATED by tools/gen_realmode_alu.py from a reference model of the')
emit('; Intel SDM pseudo-code; the expected values are constants below.')
emit('%include "common.inc"')
emit()
emit(VERIFY)
emit('BEGIN_REAL')
emit('    PRINT "realmode_alu", 10')

def group(title):
    emit(f'    PRINT "{title}: {ncase[0] - group.start} cases ok", 10')
    group.start = ncase[0]
group.start = 0

vals = {8: [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0F, 0x5A], 16: [0x0000, 0x7FFF, 0x8000, 0xFFFF, 0x1234, 0x00FF],
        32: [0x00000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678]}
pairs = {8: [(0x7F, 0x01), (0xFF, 0x01), (0x80, 0x80), (0x0F, 0x01), (0x00, 0x01), (0x5A, 0xA5), (0x80, 0x7F)],
         16: [(0x7FFF, 0x0001), (0xFFFF, 0x0001), (0x8000, 0x8000), (0x1234, 0x4321), (0x0000, 0xFFFF), (0x00FF, 0x0F0F)],
         32: [(0x7FFFFFFF, 1), (0xFFFFFFFF, 1), (0x80000000, 0x80000000), (0x12345678, 0x9ABCDEF0), (0, 0xFFFFFFFF)]}
for s in (8, 16, 32):
    for mn in ('add', 'adc', 'sub', 'sbb', 'cmp'):
        for i, (a, b) in enumerate(pairs[s]):
            fin = CF if (mn in ('adc', 'sbb') and i % 2 == 0) else 0
            binop(mn, s, a, b, fin)
group('add/adc/sub/sbb/cmp')
for s in (8, 16, 32):
    for mn in ('and', 'or', 'xor', 'test'):
        for a, b in pairs[s][:4]:
            binop(mn, s, a, b, CF | OF)
group('and/or/xor/test')
for s in (8, 16, 32):
    for mn in ('inc', 'dec', 'neg', 'not'):
        for i, a in enumerate(vals[s]):
            unop(mn, s, a, CF if i % 2 else 0)
group('inc/dec/neg/not')
for s in (8, 16, 32):
    for mn in ('mul', 'imul'):
        for a, b in pairs[s]:
            muldiv(mn, s, a, b)
    imul2(16 if s == 8 else s, 0x1234, 0x0010) if s != 8 else None
for s in (16, 32):
    imul2(s, 0x7FFF, 2); imul2(s, 0xFFFF, 0xFFFF); imul2(s, 0, 0x1234, -3); imul2(s, 0, 0x4000, 3); imul2(s, 0, 0xFFFE, 100)
group('mul/imul')
muldiv('div', 8, 0x1234, 0x56); muldiv('div', 8, 0x00FF, 0x10); muldiv('idiv', 8, 0xFF80, 0x07); muldiv('idiv', 8, 0x0064, 0xF9)
muldiv('div', 16, 0x5678, 0x1000, 0x0FFF); muldiv('idiv', 16, 0xFFF0, 0x0007, 0xFFFF); muldiv('idiv', 16, 0x8000, 0xFFFE, 0x0000)
muldiv('div', 32, 0x9ABCDEF0, 0x12345678, 0x01234567); muldiv('idiv', 32, 0x00000000, 0xFFFFFFF0, 0xFFFFFFFF)
group('div/idiv')
for s in (8, 16, 32):
    for mn in ('shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'):
        for a, c, fin in ((0x81 if s == 8 else (0x8001 if s == 16 else 0x80000001), 1, 0),
                          (0x40 if s == 8 else (0x4000 if s == 16 else 0x40000000), 1, CF),
                          (0xC3 if s == 8 else (0xC3A5 if s == 16 else 0xC3A55A3C), 3, CF),
                          (0x5A if s == 8 else (0x5A5A if s == 16 else 0x5A5AA5A5), s - 1, 0)):
            shift(mn, s, a, c, fin)
group('shifts/rotates')
for ax, fin in ((0x0079, 0), (0x0035, AF), (0x009A, 0), (0x00F0, CF), (0x0012, 0)):
    bcd('daa', ax, fin)
for ax, fin in ((0x0079, 0), (0x0035, AF), (0x009A, 0), (0x0012, CF), (0x000F, 0)):
    bcd('das', ax, fin)
for ax, fin in ((0x010F, 0), (0x0105, 0), (0x0207, AF)):
    bcd('aaa', ax, fin)
for ax, fin in ((0x010F, 0), (0x0105, 0), (0x0208, AF)):
    bcd('aas', ax, fin)
for ax, imm in ((0x0063, 10), (0x00FF, 16), (0x0000, 10)):
    bcd('aam', ax, 0, imm)
for ax, imm in ((0x0909, 10), (0x0F0F, 16), (0x0000, 10)):
    bcd('aad', ax, 0, imm)
group('daa/das/aaa/aas/aam/aad')
for s in (16, 32):
    for mn in ('bt', 'bts', 'btr', 'btc'):
        bitop(mn, s, 0x8421 if s == 16 else 0x84218421, 0)
        bitop(mn, s, 0x8421 if s == 16 else 0x84218421, 3)
        bitop(mn, s, 0x8421 if s == 16 else 0x84218421, 5, reg_index=True)
    for v in (0x0001, 0x0800, 0x0000, 0xFFFF) if s == 16 else (0x00010000, 0x80000001, 0):
        bsfr('bsf', s, v); bsfr('bsr', s, v)
group('bt/bts/btr/btc/bsf/bsr')

# sign extension, misc (no flags)
def misc(name, regs, op, exp):
    case(name, {**INIT, **regs}, 0, op, exp, 0, 0)
misc('cbw', {'eax': 0x11112280}, 'cbw', {'eax': 0x1111FF80})
misc('cbw pos', {'eax': 0x1111227F}, 'cbw', {'eax': 0x1111007F})
misc('cwd', {'eax': 0x11118000, 'edx': 0x44444444}, 'cwd', {'eax': 0x11118000, 'edx': 0x4444FFFF})
misc('cwd pos', {'eax': 0x11117000, 'edx': 0x44444444}, 'cwd', {'edx': 0x44440000})
misc('cwde', {'eax': 0x1111F000}, 'cwde', {'eax': 0xFFFFF000})
misc('cdq', {'eax': 0x80000000, 'edx': 0}, 'cdq', {'edx': 0xFFFFFFFF})
misc('movsx', {'eax': 0x11111111, 'ebx': 0x000000F0}, 'movsx eax, bl', {'eax': 0xFFFFFFF0})
misc('movzx', {'eax': 0x11111111, 'ebx': 0x0000F0F0}, 'movzx eax, bx', {'eax': 0x0000F0F0})
misc('xchg', {'eax': 1, 'ebx': 2}, 'xchg ax, bx', {'eax': 2, 'ebx': 1})
misc('bswap', {'eax': 0x12345678}, 'bswap eax', {'eax': 0x78563412})
misc('lea wrap', {'ebx': 0xFFF0, 'esi': 0x20, 'eax': 0x11111111}, 'lea ax, [bx+si+0x10]', {'eax': 0x11110020})
misc('lea bp+di', {'ebp': 0x1000, 'edi': 0x0234, 'eax': 0}, 'lea ax, [bp+di-4]', {'eax': 0x1230})
misc('shld', {'eax': 0x1234, 'ebx': 0xABCD}, 'shld ax, bx, 4', {'eax': 0x234A})
misc('shrd', {'eax': 0x12345678, 'ebx': 0x9ABCDEF0}, 'shrd eax, ebx, 8', {'eax': 0xF0123456})
misc('setc', {'eax': 0}, 'stc; setc al; setnc ah', {'eax': 0x0001})
misc('lahf', {'eax': 0}, 'stc; lahf', {'eax': 0x0300})
misc('sahf', {'eax': 0xD500}, 'sahf; setc al; setz bl; sets bh; setpe cl', {'eax': 0xD501, 'ebx': 0x22220101})
misc('xadd', {'eax': 5, 'ebx': 7}, 'xadd ax, bx', {'eax': 12, 'ebx': 5})
misc('cmpxchg eq', {'eax': 5, 'ebx': 9, 'ecx': 5}, 'cmpxchg cx, bx', {'eax': 5, 'ecx': 9})
misc('cmpxchg ne', {'eax': 5, 'ebx': 9, 'ecx': 6}, 'cmpxchg cx, bx', {'eax': 6, 'ecx': 6})
group('cbw/cwd/movsx/lea/shld/setcc/lahf/xadd/cmpxchg')

emit('''
    ; LOOP / JCXZ / ENTER / LEAVE
    mov cx, 5
    xor ax, ax
.lp: add ax, cx
    loop .lp
    CHK16 ax, 15, "loop sum"
    CHK16 cx, 0, "loop cx"
    xor cx, cx
    jcxz .jz_ok
    FAIL "jcxz not taken"
.jz_ok:
    mov ecx, 0x10000
    jecxz .jz_bad
    jcxz .jz_ok2
.jz_bad:
    FAIL "jcxz/jecxz with ecx=00010000"
.jz_ok2:
    mov bp, 0x1111
    mov sp, 0x6000
    enter 8, 0
    CHK16 bp, 0x5FFE, "enter bp"
    mov dx, sp
    CHK16 dx, 0x5FF6, "enter sp"
    CHK16 [0x5FFE], 0x1111, "enter saved bp"
    leave
    CHK16 bp, 0x1111, "leave bp"
    mov dx, sp
    CHK16 dx, 0x6000, "leave sp"
    mov sp, STACK_TOP
    PRINT "loop/jcxz/enter/leave ok", 10
    PASS
''')
sys.stdout.write('\n'.join(out) + '\n')
