#!/usr/bin/env python3
# Makes the damaged inputs of census round 3 (issue 26) from the valid ones beside this script:
#   neo_config.json + neo.safetensors + neo_tok.txt   (GPT-Neo, d = 1896, vocab 11; copied from
#                                                      build/tests/tmp/torch_sources_neo)
#   gelu.pt + gelu_tok.txt                            (TorchScript TinyLM, d = 44, vocab 7; copied from
#                                                      build/tests/tmp/torch_sources_gelu)
#   1/2/3/base_rec, base_res, base_pb, base_spec      (run records of `villani run sgld|pacbayes|spectrum
#                                                      --quick --steps 20 --lambda 1 --train-sequences 4`)
# Records sit four directories down (1/2/3/NAME) so that the old `compare {FILES}` line, which searches
# to depth 3, does not reach them. Run: cd fuzz/census/files/r3 && python3 make.py   (deterministic)
import json, os, random, shutil, struct, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
R = '1/2/3'
rng = random.Random(26)


def zi(name):  # fixed timestamps, so that the archives come out the same on every run
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def put(path, data):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, 'wb') as f:
        f.write(data)


def link(path, target):
    if os.path.lexists(path):
        os.remove(path)
    os.symlink(target, path)


# ---------------------------------------------------------------- safetensors
st = open('neo.safetensors', 'rb').read()
n = struct.unpack('<Q', st[:8])[0]
H = json.loads(st[8:8 + n])
D = st[8 + n:]


def st_file(header, data, raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header)
    hb = h.encode() if isinstance(h, str) else h
    return struct.pack('<Q', len(hb)) + hb + data


def hcopy():
    return json.loads(json.dumps(H))


WTE, WPE = 'transformer.wte.weight', 'transformer.wpe.weight'
LN1W, LN1B = 'transformer.h.0.ln_1.weight', 'transformer.h.0.ln_1.bias'

h = hcopy(); h[WPE]['data_offsets'] = [640, 1408]                      # overlaps wte [0,704), hole [1408,1472)
put('st_overlap.safetensors', st_file(h, D))
h = hcopy(); h[LN1B]['data_offsets'] = list(H[LN1W]['data_offsets'])   # ln_1.bias = ln_1.weight's bytes
put('st_overlap_same.safetensors', st_file(h, D))
# a tensor name twice: the header text gets a second "transformer.wte.weight" entry (wpe's offsets)
txt = json.dumps(H).replace('"%s"' % WPE, '"%s"' % WTE)
put('st_dupname.safetensors', st_file(None, D, txt))
# the same entry twice, identical
ent = json.dumps(H[WTE])
txt = json.dumps(H)[:-1] + ', "%s": %s}' % (WTE, ent)
put('st_dupname_same.safetensors', st_file(None, D, txt))
# 64 unclaimed bytes after wte (later offsets shifted)
h = hcopy()
for k, v in h.items():
    if v['data_offsets'][0] >= 704:
        v['data_offsets'] = [v['data_offsets'][0] + 64, v['data_offsets'][1] + 64]
put('st_hole.safetensors', st_file(h, D[:704] + b'\0' * 64 + D[704:]))
h = hcopy()
for v in h.values():
    v['data_offsets'] = [v['data_offsets'][0] + 8, v['data_offsets'][1] + 8]
put('st_hole_start.safetensors', st_file(h, b'\0' * 8 + D))
put('st_trailing.safetensors', st + b'\xff' * 100)
put('st_trailing1.safetensors', st + b'\0')
h = hcopy(); del h[LN1B]                                                # its bytes become a hole
put('st_missing.safetensors', st_file(h, D))
h = hcopy(); del h['transformer.ln_f.bias']                             # last tensor dropped with its bytes
put('st_missing_relaid.safetensors', st_file(h, D[:15104]))
h = hcopy(); h['transformer.extra.weight'] = {'dtype': 'F64', 'shape': [2], 'data_offsets': [15168, 15184]}
put('st_extra.safetensors', st_file(h, D + struct.pack('<2d', 1.0, 2.0)))
hb = json.dumps(H).encode()
put('st_hdrlen_cap.safetensors', struct.pack('<Q', 100000001) + hb + D)  # just over the 1e8 cap
put('st_hdrlen_max.safetensors', struct.pack('<Q', 2**64 - 1) + hb + D)
put('st_hdrlen_zero.safetensors', struct.pack('<Q', 0) + hb + D)
put('st_hdrlen_over.safetensors', struct.pack('<Q', len(hb) + len(D) + 1) + hb + D)  # one past the file
put('st_hdrlen_short.safetensors', struct.pack('<Q', len(hb) - 1) + hb + D)          # cuts the JSON's last '}'
put('st_hdrlen_be.safetensors', struct.pack('>Q', len(hb)) + hb + D)                 # big-endian length
# deeply nested header JSON: 90000 closed levels in __metadata__, and 190000 unclosed '['
put('st_deep.safetensors', st_file(None, D, '{"__metadata__":' + '[' * 90000 + ']' * 90000 + ',' + json.dumps(H)[1:]))
put('st_deep_open.safetensors', st_file(None, D, '[' * 180000))
put('st_deep9.safetensors', st_file(None, D, '{"__metadata__":' + '[' * 9 + ']' * 9 + ',' + json.dumps(H)[1:]))
h = hcopy(); h['__metadata__'] = 5
put('st_meta_num.safetensors', st_file(h, D))
# header padded with NUL bytes (the format pads with spaces)
put('st_nulpad.safetensors', st_file(None, D, json.dumps(H) + '\0' * 8))
put('st_bom.safetensors', st_file(None, D, '\ufeff' + json.dumps(H)))
h = hcopy(); h[WTE]['dtype'] = 'I64'
put('st_dtype_i64.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['dtype'] = 'f64'
put('st_dtype_lower.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['dtype'] = 'F16'                                    # 2-byte elements in an 8-byte span
put('st_dtype_f16.safetensors', st_file(h, D))
h = hcopy(); h[WPE]['shape'] = [8, 12]                                  # transposed: same bytes, wrong shape
put('st_shape_transposed.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['shape'] = [-11, -8]
put('st_shape_neg.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['shape'] = [11.0, 8]
put('st_shape_float.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['shape'] = [2305843009213693963, 8]                 # numel*8 wraps to 704 mod 2^64
put('st_shape_wrap.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['shape'] = [88]                                     # flattened: right bytes, wrong rank
put('st_shape_flat.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['shape'] = [11, 8, 1]
put('st_shape_rank3.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['data_offsets'] = [704, 0]
put('st_off_reversed.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['data_offsets'] = ['0', '704']
put('st_off_string.safetensors', st_file(h, D))
h = hcopy(); h[WTE]['data_offsets'] = [0, 704, 704]
put('st_off_three.safetensors', st_file(h, D))
txt = json.dumps(H).replace('"data_offsets": [0, 704]', '"data_offsets": [0, 18446744073709551616704]')
put('st_off_bignum.safetensors', st_file(None, D, txt))
txt = json.dumps(H).replace('"data_offsets": [0, 704]', '"data_offsets": [0.0, 704.0]')
put('st_off_float.safetensors', st_file(None, D, txt))
txt = json.dumps(H).replace('"data_offsets": [0, 704]', '"data_offsets": [0, 7.04e2]')
put('st_off_exp.safetensors', st_file(None, D, txt))
h = hcopy(); h[WTE] = [0, 704]
put('st_entry_array.safetensors', st_file(h, D))


def st_with(values):  # every weight replaced by the values, cycled
    out = bytearray(D)
    for i in range(0, len(D), 8):
        out[i:i + 8] = struct.pack('<d', values[(i // 8) % len(values)])
    return bytes(out)


put('st_inf.safetensors', st[:8 + n] + D[:8] + struct.pack('<d', float('inf')) + D[16:])
put('st_1e300.safetensors', st[:8 + n] + st_with([1e300, -1e300]))
put('st_subnormal.safetensors', st[:8 + n] + st_with([1e-320, -4.9e-324]))
put('st_empty.safetensors', b'')
put('st_8zero.safetensors', b'\0' * 8)
put('st_trunc_half.safetensors', st[:len(st) // 2])
put('st_trunc_1.safetensors', st[:-1])
put('st_garbage.safetensors', bytes(rng.getrandbits(8) for _ in range(4096)))

# ---------------------------------------------------------------- TorchScript
pt = open('gelu.pt', 'rb').read()
src = zipfile.ZipFile('gelu.pt')


def pt_rewrite(out, edit=None, drop=(), extra=()):
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
        for i in src.infolist():
            b = src.read(i.filename)
            if any(i.filename.endswith(d) for d in drop):
                continue
            if edit:
                b = edit(i.filename, b)
            z.writestr(zi(i.filename), b)
        for name, b in extra:
            z.writestr(zi(name), b)


def code(fn):
    def edit(name, b):
        return fn(b.decode()).encode() if name.endswith('code/__torch__.py') else b
    return edit


def pkl(fn):
    def edit(name, b):
        return fn(b) if name.endswith('data.pkl') else b
    return edit


RET = 'return torch.matmul(h0, torch.t(emb0))'
SIG = 'tokens: Tensor) -> Tensor:\n    emb = self.emb'
put('pt_trunc_half.pt', pt[:len(pt) // 2])
put('pt_trunc_100.pt', pt[:100])
put('pt_trunc_minus1.pt', pt[:-1])
put('pt_trunc_noeocd.pt', pt[:-22])
put('pt_empty.pt', b'')
put('pt_garbage.pt', bytes(rng.getrandbits(8) for _ in range(len(pt))))
put('pt_zeros.pt', b'\0' * len(pt))
put('pt_text.pt', 'def forward(x):\n    return x\n')
b = bytearray(pt); b[100] ^= 0xff                     # a byte of data/0 flipped (its CRC no longer matches)
put('pt_flip_data.pt', bytes(b))
b = bytearray(pt); b[600] ^= 0x55                     # a byte of data.pkl flipped
put('pt_flip_pkl.pt', bytes(b))
put('pt_trailing.pt', pt + b'\xee' * 64)
put('pt_prepended.pt', b'\xee' * 64 + pt)
with zipfile.ZipFile('pt_notorch.pt', 'w') as z:
    z.writestr(zi('hello.txt'), 'not a TorchScript archive')
pt_rewrite('pt_tuple.pt', code(lambda c: c.replace(RET, 'return (torch.matmul(h0, torch.t(emb0)), h0)')
                               .replace('tokens: Tensor) -> Tensor:', 'tokens: Tensor) -> Tuple[Tensor, Tensor]:', 1)),
           drop=('.debug_pkl',))
pt_rewrite('pt_raise.pt', code(lambda c: c.replace(RET, 'ops.prim.RaiseException("forward refuses")\n    ' + RET)),
           drop=('.debug_pkl',))
# raises only away from the weights it was saved with (max |emb| > 3): fine at init, not on far shells
pt_rewrite('pt_raise_far.pt', code(lambda c: c.replace(
    RET, 'if bool(torch.gt(torch.max(torch.abs(emb0)), 3.)):\n      ops.prim.RaiseException("far")\n    else:\n      pass\n    ' + RET)),
    drop=('.debug_pkl',))
pt_rewrite('pt_scalar.pt', code(lambda c: c.replace(RET, 'return torch.sum(torch.matmul(h0, torch.t(emb0)))')),
           drop=('.debug_pkl',))
pt_rewrite('pt_2d.pt', code(lambda c: c.replace(RET, 'return torch.select(torch.matmul(h0, torch.t(emb0)), 0, 0)')),
           drop=('.debug_pkl',))
pt_rewrite('pt_nan.pt', code(lambda c: c.replace(RET, 'return torch.mul(torch.matmul(h0, torch.t(emb0)), float("nan"))')),
           drop=('.debug_pkl',))
pt_rewrite('pt_nan_far.pt', code(lambda c: c.replace(RET, 'return torch.div(torch.matmul(h0, torch.t(emb0)), torch.sub(torch.max(torch.abs(emb0)), 5.))')),
           drop=('.debug_pkl',))
pt_rewrite('pt_vocab_wide.pt', code(lambda c: c.replace(RET, 'return torch.cat([torch.matmul(h0, torch.t(emb0)), torch.matmul(h0, torch.t(emb0))], 2)')),
           drop=('.debug_pkl',))
pt_rewrite('pt_syntax.pt', code(lambda c: c.replace(RET, 'return torch.matmul(h0, torch.t(emb0)')), drop=('.debug_pkl',))
pt_rewrite('pt_nocode.pt', drop=('code/__torch__.py', '.debug_pkl'))
pt_rewrite('pt_debug_stale.pt', code(lambda c: '\n\n\n' + c))  # code shifted, debug_pkl source ranges kept
pt_rewrite('pt_version99.pt', lambda name, b: b'99\n' if name.endswith('/version') else b)
pt_rewrite('pt_pkl_shape.pt', pkl(lambda b: b.replace(b'K\x00(K\x07K\x04t(K\x04K\x01t', b'K\x00(K\x04K\x07t(K\x07K\x01t')))
pt_rewrite('pt_pkl_numel.pt', pkl(lambda b: b.replace(b'K\x1ctQ', b'K\x1btQ')))
pt_rewrite('pt_pkl_offset.pt', pkl(lambda b: b.replace(b'K\x1ctQq\x07K\x00', b'K\x1ctQq\x07K\x10')))
pt_rewrite('pt_pkl_float.pt', pkl(lambda b: b.replace(b'ctorch\nDoubleStorage\n', b'ctorch\nFloatStorage\n')))
pt_rewrite('pt_pkl_shared.pt', pkl(lambda b: b.replace(b'X\x01\x00\x00\x001q\r', b'X\x01\x00\x00\x000q\r')))
pt_rewrite('pt_data_inf.pt', lambda name, b: struct.pack('<d', float('inf')) + b[8:] if name.endswith('data/0') else b)
pt_rewrite('pt_data_swap.pt', lambda name, b: (src.read('gelu/data/1') if name.endswith('data/0') else
                                               src.read('gelu/data/0') if name.endswith('data/1') else b))
# two zip entries named gelu/data/0 (the second all zeros): which one a reader takes is ambiguous
pt_rewrite('pt_dup_record.pt', extra=(('gelu/data/0', b'\0' * 224),))

# ---------------------------------------------------------------- token files
toks = {
    'tok_i64max.txt': '1 2 9223372036854775807\n',
    'tok_u64.txt': '1 2 18446744073709551616\n',
    'tok_vocab.txt': '1 2 11\n',                  # = vocab of neo (11) / beyond gelu's 7
    'tok_gelu_vocab.txt': '1 2 7\n',               # = gelu's vocab 7
    'tok_neg.txt': '1 -1 2\n',
    'tok_negzero.txt': '-0 1 2\n',
    'tok_plus.txt': '+1 2 3\n',
    'tok_subnormal.txt': '1e-320 1 2\n',
    'tok_float.txt': '1.0 2 3\n',
    'tok_exp.txt': '1e0 2 3\n',
    'tok_hex.txt': '0x1 2 3\n',
    'tok_nan.txt': 'nan 1 2\n',
    'tok_fullwidth.txt': '\uff11 \uff12 \uff13\n',
    'tok_uminus.txt': '\u22121 2 3\n',
    'tok_bom.txt': '\ufeff1 2 3\n',
    'tok_crlf.txt': '1 2 3\r\n4 5 6\r\n',
    'tok_cr_only.txt': '1 2 3\r4 5 6\r',
    'tok_single.txt': '1\n2\n3\n',
    'tok_empty.txt': '',
    'tok_blank.txt': ' \n\t\n\n',
    'tok_long.txt': ' '.join(str(i % 11) for i in range(100)) + '\n',  # 100 > neo's 12 positions
    'tok_comma.txt': '1,2,3\n',
}
for k, v in toks.items():
    put(k, v)
put('tok_garbage.txt', bytes(rng.getrandbits(8) for _ in range(1000)))
put('tok_many.txt', '1 2 3 4\n' * 12000)           # 12000 sequences (96 KB)
put('tok_wide.txt', ' '.join(str(i % 7) for i in range(50000)) + '\n')  # one 50000-token sequence (100 KB)

# ---------------------------------------------------------------- --at / --center files (logistic: d = 18)
ats = {
    'at_1e200.txt': ['1e200'] * 18,
    'at_1e154.txt': ['1e154'] * 18,                # ‖θ‖² = 1.8e309 overflows
    'at_max.txt': ['1.7976931348623157e308'] * 18,
    'at_1e999.txt': ['1e999'] * 18,
    'at_nan.txt': ['nan'] * 18,
    'at_NaN.txt': ['NaN'] + ['0'] * 17,
    'at_inf.txt': ['inf'] + ['0'] * 17,
    'at_Infinity.txt': ['-Infinity'] + ['0'] * 17,
    'at_subnormal.txt': ['1e-320'] * 18,
    'at_hexfloat.txt': ['0x1p3'] * 18,
    'at_17.txt': ['0'] * 17,
    'at_19.txt': ['0'] * 19,
    'at_words.txt': ['zero'] * 18,
}
for k, v in ats.items():
    put(k, ' '.join(v) + '\n')
put('at_commas.txt', ','.join(['0'] * 18) + '\n')
put('at_empty.txt', '')
put('at_binary.txt', bytes(rng.getrandbits(8) for _ in range(144)))
put('at_gelu_1e200.txt', ' '.join(['1e200'] * 44) + '\n')  # gelu.pt: d = 44
put('at_gelu_1e30.txt', ' '.join(['1e30'] * 44) + '\n')

# ---------------------------------------------------------------- deep JSON (models, configs)
put('deep_open.json', '[' * 199000)                                  # 199000 unclosed arrays
put('deep_closed.json', '[' * 99000 + ']' * 99000)                  # 99000 closed arrays
put('deep_kind.json', '{"kind":' + '[' * 90000 + ']' * 90000 + '}')
put('deep_neo_config.json', '{"model_type":"gpt_neo","vocab_size":' + '[' * 90000 + ']' * 90000 + '}')
put('deep_obj.json', '{"a":' * 30000 + '1' + '}' * 30000)
put('neo_kind_config.json', json.dumps(dict(json.load(open('neo_config.json')), model_type='gpt2')))
put('neo_nested_config.json', json.dumps(dict(json.load(open('neo_config.json')),
                                              attention_types=[[['global', 'local'], 1]] * 3 + [[[[['x']]]]])))
put('neo_dupkey_config.json', json.dumps(json.load(open('neo_config.json')))[:-1] + ', "vocab_size": 5}')
put('neo_layers0_config.json', json.dumps(dict(json.load(open('neo_config.json')), num_layers=0, attention_types=[])))
put('neo_win0_config.json', json.dumps(dict(json.load(open('neo_config.json')), window_size=0)))
put('neo_eps_neg_config.json', json.dumps(dict(json.load(open('neo_config.json')), layer_norm_epsilon=-1e-5)))
put('neo_eps_sub_config.json', json.dumps(dict(json.load(open('neo_config.json')), layer_norm_epsilon=1e-320)))
put('neo_eps_big_config.json', json.dumps(dict(json.load(open('neo_config.json')), layer_norm_epsilon=1e308)))
put('neo_act_config.json', json.dumps(dict(json.load(open('neo_config.json')), activation_function='relu6')))
put('neo_inter_config.json', json.dumps(dict(json.load(open('neo_config.json')), intermediate_size=-32)))

# ---------------------------------------------------------------- run records (four levels down)
base = R + '/base_rec'
cfg0 = json.load(open(base + '/config.json'))
sum0 = json.load(open(base + '/summary.json'))
met0 = open(base + '/metrics.jsonl').read()


def record(name, cfg=None, summ=None, metrics=None, raw_cfg=None, raw_sum=None):
    d = R + '/' + name
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    put(d + '/config.json', raw_cfg if raw_cfg is not None else json.dumps(cfg0 if cfg is None else cfg, indent=1))
    if summ is not False:
        put(d + '/summary.json', raw_sum if raw_sum is not None else json.dumps(sum0 if summ is None else summ, indent=1))
    if metrics is not False:
        put(d + '/metrics.jsonl', met0 if metrics is None else metrics)
    return d


def edited(base, **kw):
    """A deep copy of base with keys set, or removed where the value is KeyError."""
    x = json.loads(json.dumps(base))
    for k, v in kw.items():
        if v is KeyError:
            x.pop(k, None)
        else:
            x[k] = v
    return x


def c(**kw):
    return edited(cfg0, **kw)


def s(**kw):
    return edited(sum0, **kw)


for kind in ['train', 'spectrum', 'psi', 'pacbayes', 'boursier', '', 'SGLD', 'sgld ']:
    record('kind_' + (kind.strip() or 'empty') + ('_sp' if kind.endswith(' ') else ''), c(kind=kind))
record('kind_missing', c(kind=KeyError))
record('kind_num', c(kind=42))
record('kind_null', c(kind=None))
record('kind_array', c(kind=['sgld']))
record('kind_deep', raw_cfg=json.dumps(c())[:-1] + ', "kind2": ' + '[' * 90000 + ']' * 90000 + '}')
record('cfg_deep', raw_cfg='[' * 99000 + ']' * 99000)
record('cfg_deep_open', raw_cfg='[' * 199000)
record('cfg_dupkind', raw_cfg=json.dumps(c())[:-1] + ', "kind": "train"}')
record('lambda_missing', c(**{'lambda': KeyError}))
record('lambda_zero', c(**{'lambda': 0}))
record('lambda_neg', c(**{'lambda': -1}))
record('lambda_str', c(**{'lambda': '1'}))
record('lambda_sub', c(**{'lambda': 1e-320}))
record('lambda_huge', c(**{'lambda': 1e308}))
record('lambda_big', raw_cfg=json.dumps(c()).replace('"lambda": 1.0', '"lambda": 1e400'))  # parses as inf
record('d_zero', c(d=0))
record('d_neg', c(d=-7264))
record('d_huge', c(d=1e300))
record('d_missing', c(d=KeyError))
record('lr_big', c(lr=20))
record('lr_zero', c(lr=0))
record('temp_zero', c(temperature=0))
record('temp_neg', c(temperature=-1))
record('temp_str', c(temperature='1e-4'))
record('sum_array', raw_sum='[1, 2]')
record('sum_incomplete', summ=s(complete=False))
record('sum_complete_str', summ=s(complete='true'))
record('sum_bottom_str', summ=s(hessian_L={'bottom': 'x', 'top': 1}))
record('sum_bottom_huge', summ=s(hessian_L={'bottom': -1e308, 'top': 1e308}))
record('sum_missing', summ=False)
record('sum_truncated', raw_sum=json.dumps(sum0)[:40])
record('met_missing', metrics=False)
record('met_empty', metrics='')
lines = met0.splitlines(True)
record('met_damaged_mid', metrics=''.join(lines[:5]) + '{"step": 5, "t": \n' + ''.join(lines[6:]))
record('met_torn', metrics=met0 + '{"F":8.4,"grad_no')
record('met_order', metrics=''.join(lines[:5] + [lines[3]] + lines[5:]))
record('met_dupstep', metrics=''.join(lines[:6] + [lines[5]] + lines[6:]))
record('met_step_float', metrics=met0.replace('"step":5,', '"step":5.0,'))
record('met_step_huge', metrics=''.join(lines[:-1]) + lines[-1].replace('"step":20', '"step":9223372036854775807'))
record('met_step_u64', metrics=''.join(lines[:-1]) + lines[-1].replace('"step":20', '"step":18446744073709551615'))
record('met_step_neg', metrics=''.join(l.replace('"step":', '"step":-100') if i == 0 else l for i, l in enumerate(lines)))
record('met_one', metrics=lines[0])
record('met_norm2_huge', metrics=''.join(l.replace('"norm2":', '"norm2":1e308,"x":') for l in lines))
record('met_norm2_str', metrics=''.join(l.replace('"norm2":', '"norm2":"1","x":') for l in lines))
record('met_t_same', metrics=''.join(l.replace('"t":', '"t":0,"u":') for l in lines))
record('met_t_missing', metrics=''.join(l.replace('"t":', '"u":') for l in lines))
record('met_garbage', metrics=''.join(lines[:3]) + bytes(rng.getrandbits(8) for _ in range(200)).decode('latin-1') + '\n')
record('met_nul', metrics=met0.replace('\n', '\0\n', 1))
record('met_deep_line', metrics=''.join(lines[:3]) + '[' * 90000 + ']' * 90000 + '\n')
record('met_long_line', metrics=''.join(lines[:3]) + '{"step":3,"pad":"' + 'x' * 150000 + '"}\n')
record('met_array_line', metrics=''.join(lines[:3]) + '[1,2]\n')
record('met_crlf', metrics=met0.replace('\n', '\r\n'))
d = record('met_dir', metrics=False); os.makedirs(d + '/metrics.jsonl'); put(d + '/metrics.jsonl/.keep', '')  # git keeps no empty directory
d = record('met_zero', metrics=False); link(d + '/metrics.jsonl', '/dev/zero')
d = record('met_urandom', metrics=False); link(d + '/metrics.jsonl', '/dev/urandom')
d = record('cfg_zero', raw_cfg=''); os.remove(d + '/config.json'); link(d + '/config.json', '/dev/zero')
d = record('sum_urandom', summ=False); link(d + '/summary.json', '/dev/urandom')
d = record('cfg_dir', raw_cfg=''); os.remove(d + '/config.json'); os.makedirs(d + '/config.json'); put(d + '/config.json/.keep', '')
d = record('cfg_dangling', raw_cfg=''); os.remove(d + '/config.json'); link(d + '/config.json', 'nowhere.json')
# a pacbayes record called sgld, and an sgld record called pacbayes / spectrum
pb = R + '/base_pb'
d = R + '/pb_as_sgld'; shutil.rmtree(d, ignore_errors=True); shutil.copytree(pb, d)
x = json.load(open(d + '/config.json')); x['kind'] = 'sgld'; put(d + '/config.json', json.dumps(x, indent=1))
d = R + '/spec_as_sgld'; shutil.rmtree(d, ignore_errors=True); shutil.copytree(R + '/base_spec', d)
x = json.load(open(d + '/config.json')); x['kind'] = 'sgld'; put(d + '/config.json', json.dumps(x, indent=1))
# two records of one λ: the same run twice (a copy), in one directory tree
d = R + '/twice'; shutil.rmtree(d, ignore_errors=True)
shutil.copytree(base, d + '/a'); shutil.copytree(base, d + '/b')
# symlink loops and a directory that contains itself
for nme in ['loop_self', 'loop_a', 'loop_b', 'loop_up']:
    p = R + '/' + nme
    if os.path.lexists(p):
        if os.path.islink(p):
            os.remove(p)
        else:
            shutil.rmtree(p)
link(R + '/loop_self', 'loop_self')
link(R + '/loop_a', 'loop_b')
link(R + '/loop_b', 'loop_a')
os.makedirs(R + '/loop_up/x'); link(R + '/loop_up/x/up', '..')
shutil.copytree(base, R + '/loop_up/x/rec')

# ---------------------------------------------------------------- --resume records (sgld --quick --steps 20 --lambda 1 --train-sequences 4)
rb = R + '/base_res/lambda=1'
rcfg = json.load(open(rb + '/config.json'))
rmet = open(rb + '/metrics.jsonl').read()
ck = open(rb + '/checkpoint.pt', 'rb').read()
cz = zipfile.ZipFile(rb + '/checkpoint.pt')


def resume(name, cfg=None, metrics=None, ckpt=None, raw_cfg=None):
    d = R + '/' + name + '/lambda=1'
    shutil.rmtree(R + '/' + name, ignore_errors=True)
    os.makedirs(d)
    put(d + '/config.json', raw_cfg if raw_cfg is not None else json.dumps(rcfg if cfg is None else cfg, indent=1))
    put(d + '/metrics.jsonl', rmet if metrics is None else metrics)
    if ckpt is not None:
        put(d + '/checkpoint.pt', ckpt)


def ck_rewrite(edit):
    import io
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, 'w', zipfile.ZIP_STORED) as z:
        for i in cz.infolist():
            z.writestr(zi(i.filename), edit(i.filename, cz.read(i.filename)))
    return bio.getvalue()


rl = rmet.splitlines(True)
resume('res_kind', dict(rcfg, kind='train'))
x = dict(rcfg); x.pop('kind'); resume('res_nokind', x)
resume('res_deepcfg', raw_cfg='[' * 99000 + ']' * 99000)
resume('res_step_huge', metrics=''.join(rl[:10]) + rl[10].replace('"step":10', '"step":9223372036854775807'))
resume('res_step_beyond', metrics=''.join(rl) + rl[-1].replace('"step":20', '"step":1000'))
resume('res_ck_garbage', metrics=''.join(rl[:10]), ckpt=bytes(rng.getrandbits(8) for _ in range(len(ck))))
resume('res_ck_trunc', metrics=''.join(rl[:10]), ckpt=ck[:len(ck) // 2])
# θ all NaN at step 10, where the record (steps 0..9) continues
resume('res_ck_nan', metrics=''.join(rl[:10]),
       ckpt=ck_rewrite(lambda nm, b: struct.pack('<f', float('nan')) * (len(b) // 4) if nm.endswith('data/0') else
                       struct.pack('<q', 10) if nm.endswith('data/1') else b))
# θ finite but 1e30 at step 10
resume('res_ck_huge', metrics=''.join(rl[:10]),
       ckpt=ck_rewrite(lambda nm, b: struct.pack('<f', 1e30) * (len(b) // 4) if nm.endswith('data/0') else
                       struct.pack('<q', 10) if nm.endswith('data/1') else b))
resume('res_ck_step_neg', metrics=''.join(rl[:10]),
       ckpt=ck_rewrite(lambda nm, b: struct.pack('<q', -5) if nm.endswith('data/1') else b))
resume('res_ck_step_max', metrics=''.join(rl[:10]),
       ckpt=ck_rewrite(lambda nm, b: struct.pack('<q', 2**63 - 1) if nm.endswith('data/1') else b))
resume('res_ck_gelu', metrics=''.join(rl[:10]), ckpt=pt)  # a TorchScript module where the checkpoint belongs
resume('res_met_deep', metrics=''.join(rl[:3]) + '[' * 90000 + ']' * 90000 + '\n')
d = R + '/res_zero/lambda=1'; resume('res_zero'); os.remove(d + '/metrics.jsonl'); link(d + '/metrics.jsonl', '/dev/zero')

# ---------------------------------------------------------------- data files for --data bytes:
put('bytes_empty.txt', '')
put('bytes_one.txt', 'a')
print('ok')
