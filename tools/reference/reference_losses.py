#!/usr/bin/env python3
"""Independent per-token loss reference for tokenclean, in plain PyTorch (no HF transformers, no safetensors package).

It loads a Hugging Face checkpoint directory (config.json + model.safetensors, or a sharded
model.safetensors.index.json) of one of these architectures and prints the cross-entropy of every token given the
tokens before it, computed in fp32, one sample at a time, with no batching, padding or caching: the simplest
computation that can be right.

    LlamaForCausalLM   (rope_scaling: default, linear, llama3; attention_bias, mlp_bias, explicit head_dim)
    MistralForCausalLM (sliding_window)
    Qwen2ForCausalLM   (q/k/v bias; use_sliding_window + max_window_layers / layer_types)
    Qwen3ForCausalLM   (q_norm / k_norm over head_dim, explicit head_dim)
    GPT2LMHeadModel    (Conv1D weights, learned positions, gelu_new)

The model math follows the Hugging Face modeling files (modeling_llama.py, modeling_mistral.py, modeling_qwen2.py,
modeling_qwen3.py, modeling_gpt2.py, modeling_rope_utils.py, masking_utils.py); it is our own re-implementation,
not HF transformers, so it is a second opinion, not the golden reference (see docs/SCORING.md).

Commands
    losses    --model DIR (--tokens JSON | --tokens-file FILE)  print {"losses": [[null, l1, l2, ...], ...]}
    create    --arch ARCH --out DIR [--seed N] [--rope-format v4|v5]   write a small random checkpoint in HF format
    selfcheck                                                   check this file against a naive float64 computation
    sgd       --model DIR --tokens JSON --masks JSON --lr LR --names JSON
              one plain SGD step on the mean loss over the masked positions of all sequences (fp32, autograd);
              prints {"loss": L, "updated": {name: [flattened values after the step]}}

Run it with the Debian interpreter that has python3-torch: /usr/bin/python3 tools/reference/reference_losses.py ...
"""

import argparse
import json
import math
import os
import struct
import sys
import tempfile

import torch

# ---------------------------------------------------------------------------------------------------------------------
# safetensors, by hand: u64 little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, raw bytes.

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


def read_safetensors(path):
    """All tensors of one .safetensors file, converted to float32 (integer tensors keep their type)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    header_len = struct.unpack("<Q", data[:8])[0]
    if 8 + header_len > len(data):
        raise ValueError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    body = memoryview(data)[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = list(info["shape"])
        count = math.prod(shape)
        itemsize = torch.tensor([], dtype=dtype).element_size()
        if not (0 <= begin <= end <= len(body)) or end - begin != count * itemsize:
            raise ValueError(f"{path}: tensor {name} has offsets {begin}..{end} that do not fit shape {shape} {info['dtype']}")
        if count == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype).reshape(shape)
        tensors[name] = t.to(torch.float32) if t.is_floating_point() else t
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors (or bfloat16 ones, stored as BF16) in the safetensors layout."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype == torch.bfloat16:
            raw, code = t.view(torch.int16).numpy().tobytes(), "BF16"
        elif t.dtype == torch.float32:
            raw, code = t.numpy().tobytes(), "F32"
        else:
            raise ValueError(f"cannot write {name} of dtype {t.dtype}")
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)  # the format aligns the byte buffer to 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def load_checkpoint(directory):
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    single = os.path.join(directory, "model.safetensors")
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(single):
        weights = read_safetensors(single)
    elif os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        weights = {}
        for name in files:
            weights.update(read_safetensors(os.path.join(directory, name)))
    else:
        raise FileNotFoundError(f"{directory}: neither model.safetensors nor model.safetensors.index.json")
    return config, weights


# ---------------------------------------------------------------------------------------------------------------------
# Model math.

def rope_settings(config):
    """(theta, scaling dict) from either the transformers v4 layout (rope_theta + rope_scaling) or v5 (rope_parameters)."""
    params = config.get("rope_parameters")
    if params:
        return float(params.get("rope_theta", config.get("rope_theta", 10000.0))), params
    return float(config.get("rope_theta", 10000.0)), (config.get("rope_scaling") or {})


def inverse_frequencies(config, head_dim):
    theta, scaling = rope_settings(config)
    dim = int(head_dim * config.get("partial_rotary_factor", 1.0))
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    rope_type = scaling.get("rope_type", scaling.get("type", "default"))
    if rope_type == "default":
        return inv_freq, 1.0
    if rope_type == "linear":
        return inv_freq / scaling["factor"], 1.0
    if rope_type == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old_len = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv_freq
        # Long wavelengths (low frequencies) are slowed down by `factor`, short ones kept, the band between blended.
        slowed = torch.where(wavelen > old_len / low, inv_freq / factor, inv_freq)
        smooth = (old_len / wavelen - low) / (high - low)
        blended = (1 - smooth) * slowed / factor + smooth * slowed
        medium = (wavelen >= old_len / high) & (wavelen <= old_len / low)
        return torch.where(medium, blended, slowed), 1.0
    raise ValueError(f"rope_type '{rope_type}' is not supported by this reference")


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def layer_norm(x, weight, bias, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def activation(name):
    if name == "silu":
        return torch.nn.functional.silu
    if name == "gelu":
        return torch.nn.functional.gelu
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    if name == "relu":
        return torch.relu
    raise ValueError(f"activation '{name}' is not supported by this reference")


def attention_mask(length, window):
    """Additive mask: key k is visible from query q when k <= q (and q - window < k with a sliding window)."""
    q = torch.arange(length)[:, None]
    k = torch.arange(length)[None, :]
    visible = k <= q
    if window is not None:
        visible &= k > q - window
    return torch.zeros(length, length).masked_fill(~visible, float("-inf"))


def attend(q, k, v, scale, mask):
    """q: [heads, T, d]; k, v: [kv_heads, T, d]. Grouped-query heads share their key/value head."""
    groups = q.shape[0] // k.shape[0]
    k = k.repeat_interleave(groups, dim=0)
    v = v.repeat_interleave(groups, dim=0)
    weights = torch.softmax(q @ k.transpose(1, 2) * scale + mask, dim=-1)
    return weights @ v


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class Weights:
    """Name lookup that remembers what was used, so unused or missing tensors are reported."""

    def __init__(self, tensors, prefix=""):
        self.tensors = tensors
        self.prefix = prefix
        self.used = set()

    def __call__(self, name):
        full = self.prefix + name
        if full not in self.tensors:
            raise KeyError(f"the checkpoint has no tensor '{full}'")
        self.used.add(full)
        return self.tensors[full]

    def has(self, name):
        return self.prefix + name in self.tensors

    def check_all_used(self, ignorable=()):
        unused = [n for n in self.tensors if n not in self.used and not any(n.endswith(s) for s in ignorable)]
        if unused:
            raise ValueError(f"the checkpoint has tensors this architecture does not use: {sorted(unused)[:8]}")


def llama_family_losses(config, tensors, ids):
    model_type = config["model_type"]
    w = Weights(tensors)
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads") or heads
    head_dim = config.get("head_dim") or hidden // heads
    eps = config.get("rms_norm_eps", 1e-6)
    act = activation(config.get("hidden_act", "silu"))
    layers = config["num_hidden_layers"]
    qkv_bias = True if model_type == "qwen2" else bool(config.get("attention_bias", False))
    o_bias = False if model_type == "qwen2" else bool(config.get("attention_bias", False))
    mlp_bias = bool(config.get("mlp_bias", False))
    windows = layer_windows(config, layers)

    length = len(ids)
    inv_freq, attention_scaling = inverse_frequencies(config, head_dim)
    freqs = torch.arange(length, dtype=torch.float32)[:, None] * inv_freq[None, :]
    angles = torch.cat((freqs, freqs), dim=-1)
    cos, sin = angles.cos() * attention_scaling, angles.sin() * attention_scaling

    def linear(x, name, bias):
        y = x @ w(name + ".weight").T
        return y + w(name + ".bias") if bias else y

    x = w("model.embed_tokens.weight")[torch.tensor(ids)]
    for i in range(layers):
        p = f"model.layers.{i}."
        h = rms_norm(x, w(p + "input_layernorm.weight"), eps)
        q = linear(h, p + "self_attn.q_proj", qkv_bias).view(length, heads, head_dim)
        k = linear(h, p + "self_attn.k_proj", qkv_bias).view(length, kv_heads, head_dim)
        v = linear(h, p + "self_attn.v_proj", qkv_bias).view(length, kv_heads, head_dim)
        if model_type == "qwen3":
            q = rms_norm(q, w(p + "self_attn.q_norm.weight"), eps)
            k = rms_norm(k, w(p + "self_attn.k_norm.weight"), eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        out = attend(q, k, v, head_dim ** -0.5, attention_mask(length, windows[i]))
        x = x + linear(out.transpose(0, 1).reshape(length, heads * head_dim), p + "self_attn.o_proj", o_bias)
        h = rms_norm(x, w(p + "post_attention_layernorm.weight"), eps)
        mlp = act(linear(h, p + "mlp.gate_proj", mlp_bias)) * linear(h, p + "mlp.up_proj", mlp_bias)
        x = x + linear(mlp, p + "mlp.down_proj", mlp_bias)
    x = rms_norm(x, w("model.norm.weight"), eps)
    tied = config.get("tie_word_embeddings", False)  # the default of every HF config class of this family
    head = w("model.embed_tokens.weight") if tied else w("lm_head.weight")
    if tied and w.has("lm_head.weight"):
        w("lm_head.weight")  # a tied checkpoint may still carry the (identical) head; HF ignores it
    w.check_all_used(ignorable=("rotary_emb.inv_freq",))
    return next_token_losses(x @ head.T, ids)


def layer_windows(config, layers):
    """Sliding window per layer (None = full attention), as the HF configs derive it."""
    model_type = config["model_type"]
    window = config.get("sliding_window")
    if model_type == "mistral":
        return [window] * layers
    if model_type in ("qwen2", "qwen3"):
        types = config.get("layer_types")
        if types is None:
            on = config.get("use_sliding_window", False) and window is not None
            types = ["sliding_attention" if on and i >= config.get("max_window_layers", layers) else "full_attention"
                     for i in range(layers)]
        return [window if t == "sliding_attention" else None for t in types]
    return [None] * layers


def gpt2_losses(config, tensors, ids):
    prefix = "transformer." if "transformer.wte.weight" in tensors else ""
    w = Weights(tensors, prefix)
    hidden = config["n_embd"]
    heads = config["n_head"]
    head_dim = hidden // heads
    eps = config.get("layer_norm_epsilon", 1e-5)
    act = activation(config.get("activation_function", "gelu_new"))
    length = len(ids)
    mask = attention_mask(length, None)

    x = w("wte.weight")[torch.tensor(ids)] + w("wpe.weight")[:length]
    for i in range(config["n_layer"]):
        p = f"h.{i}."
        h = layer_norm(x, w(p + "ln_1.weight"), w(p + "ln_1.bias"), eps)
        qkv = h @ w(p + "attn.c_attn.weight") + w(p + "attn.c_attn.bias")  # Conv1D: weight is [in, out]
        q, k, v = (t.view(length, heads, head_dim).transpose(0, 1) for t in qkv.split(hidden, dim=-1))
        scale = head_dim ** -0.5 if config.get("scale_attn_weights", True) else 1.0
        if config.get("scale_attn_by_inverse_layer_idx", False):
            scale /= i + 1
        out = attend(q, k, v, scale, mask).transpose(0, 1).reshape(length, hidden)
        x = x + out @ w(p + "attn.c_proj.weight") + w(p + "attn.c_proj.bias")
        h = layer_norm(x, w(p + "ln_2.weight"), w(p + "ln_2.bias"), eps)
        h = act(h @ w(p + "mlp.c_fc.weight") + w(p + "mlp.c_fc.bias"))
        x = x + h @ w(p + "mlp.c_proj.weight") + w(p + "mlp.c_proj.bias")
    x = layer_norm(x, w("ln_f.weight"), w("ln_f.bias"), eps)
    if "lm_head.weight" in tensors:
        w.used.add("lm_head.weight")  # tied to wte in GPT-2; some exports still write it
    w.check_all_used(ignorable=(".attn.bias", ".attn.masked_bias"))
    return next_token_losses(x @ w("wte.weight").T, ids)


def next_token_losses(logits, ids):
    """loss[j] = -log softmax(logits[j-1])[ids[j]]; position 0 has no prediction (None)."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return [None] + [float(-logp[j - 1, ids[j]]) for j in range(1, len(ids))]


def token_losses(config, tensors, ids):
    vocab = config["vocab_size"]
    for t in ids:
        if not 0 <= t < vocab:
            raise ValueError(f"token id {t} is outside the vocabulary [0, {vocab})")
    limit = config.get("max_position_embeddings", config.get("n_positions"))
    if limit is not None and len(ids) > limit:
        raise ValueError(f"{len(ids)} tokens exceed the context length {limit}")
    with torch.no_grad():
        if config["model_type"] in ("llama", "mistral", "qwen2", "qwen3"):
            return llama_family_losses(config, tensors, ids)
        if config["model_type"] == "gpt2":
            return gpt2_losses(config, tensors, ids)
    raise ValueError(f"model_type '{config['model_type']}' is not supported by this reference")


# ---------------------------------------------------------------------------------------------------------------------
# Small random checkpoints in HF format.

ARCHES = ("llama", "llama3", "mistral", "qwen2", "qwen3", "gpt2")


def make_config(arch, vocab, rope_format):
    common = {"vocab_size": vocab, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128,
              "rms_norm_eps": 1e-6, "hidden_act": "silu", "torch_dtype": "float32"}
    if arch == "llama":
        cfg = dict(common, architectures=["LlamaForCausalLM"], model_type="llama", rope_theta=10000.0,
                   attention_bias=False, mlp_bias=False, tie_word_embeddings=False, rms_norm_eps=1e-5)
    elif arch == "llama3":
        # original_max_position_embeddings = 64 puts the head_dim-16 frequencies in all three llama3 bands.
        cfg = dict(common, architectures=["LlamaForCausalLM"], model_type="llama", rope_theta=500000.0,
                   rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
                   attention_bias=False, mlp_bias=False, tie_word_embeddings=True, rms_norm_eps=1e-5)
    elif arch == "mistral":
        cfg = dict(common, architectures=["MistralForCausalLM"], model_type="mistral", rope_theta=10000.0,
                   sliding_window=4, head_dim=16, tie_word_embeddings=False)
    elif arch == "qwen2":
        cfg = dict(common, architectures=["Qwen2ForCausalLM"], model_type="qwen2", rope_theta=1000000.0,
                   use_sliding_window=False, sliding_window=None, max_window_layers=2, tie_word_embeddings=True)
    elif arch == "qwen3":
        # head_dim 24 != hidden_size / heads, as in the real Qwen3 configs.
        cfg = dict(common, architectures=["Qwen3ForCausalLM"], model_type="qwen3", rope_theta=1000000.0,
                   head_dim=24, attention_bias=False, use_sliding_window=False, sliding_window=None,
                   max_window_layers=2, tie_word_embeddings=True)
    elif arch == "gpt2":
        return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": vocab, "n_embd": 64,
                "n_head": 4, "n_layer": 2, "n_positions": 128, "n_inner": None, "activation_function": "gelu_new",
                "layer_norm_epsilon": 1e-5, "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
                "tie_word_embeddings": True, "torch_dtype": "float32"}
    else:
        raise ValueError(f"unknown arch '{arch}' (one of {', '.join(ARCHES)})")
    if rope_format == "v5":
        theta, scaling = rope_settings(cfg)
        cfg.pop("rope_theta", None)
        cfg.pop("rope_scaling", None)
        cfg["rope_parameters"] = dict(scaling or {"rope_type": "default"}, rope_theta=theta)
    return cfg


def random_weights(config, generator):
    """Weights scaled so activations stay O(1) and losses vary a lot between tokens (uniform logits would hide bugs)."""
    def mat(out_dim, in_dim):
        return torch.randn(out_dim, in_dim, generator=generator) * in_dim ** -0.5

    def vec(n, around=0.0, spread=0.1):
        return around + spread * torch.randn(n, generator=generator)

    t = {}
    if config["model_type"] == "gpt2":
        d, vocab = config["n_embd"], config["vocab_size"]
        inner = config.get("n_inner") or 4 * d
        t["transformer.wte.weight"] = torch.randn(vocab, d, generator=generator)
        t["transformer.wpe.weight"] = 0.5 * torch.randn(config["n_positions"], d, generator=generator)
        for i in range(config["n_layer"]):
            p = f"transformer.h.{i}."
            t[p + "ln_1.weight"], t[p + "ln_1.bias"] = vec(d, 1.0), vec(d)
            t[p + "attn.c_attn.weight"], t[p + "attn.c_attn.bias"] = mat(3 * d, d).T.contiguous(), vec(3 * d)
            t[p + "attn.c_proj.weight"], t[p + "attn.c_proj.bias"] = mat(d, d).T.contiguous(), vec(d)
            t[p + "ln_2.weight"], t[p + "ln_2.bias"] = vec(d, 1.0), vec(d)
            t[p + "mlp.c_fc.weight"], t[p + "mlp.c_fc.bias"] = mat(inner, d).T.contiguous(), vec(inner)
            t[p + "mlp.c_proj.weight"], t[p + "mlp.c_proj.bias"] = mat(d, inner).T.contiguous(), vec(d)
        # A final norm well below 1 keeps the tied-head logits (and so the losses) in a realistic range.
        t["transformer.ln_f.weight"], t["transformer.ln_f.bias"] = vec(d, 0.35, 0.05), vec(d)
        return t

    model_type = config["model_type"]
    d, vocab = config["hidden_size"], config["vocab_size"]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = config.get("head_dim") or d // heads
    inter = config["intermediate_size"]
    qkv_bias = model_type == "qwen2" or config.get("attention_bias", False)
    t["model.embed_tokens.weight"] = torch.randn(vocab, d, generator=generator)
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = vec(d, 1.0)
        t[p + "post_attention_layernorm.weight"] = vec(d, 1.0)
        t[p + "self_attn.q_proj.weight"] = mat(heads * head_dim, d)
        t[p + "self_attn.k_proj.weight"] = mat(kv_heads * head_dim, d)
        t[p + "self_attn.v_proj.weight"] = mat(kv_heads * head_dim, d)
        t[p + "self_attn.o_proj.weight"] = mat(d, heads * head_dim)
        if qkv_bias:
            t[p + "self_attn.q_proj.bias"] = vec(heads * head_dim, spread=0.3)
            t[p + "self_attn.k_proj.bias"] = vec(kv_heads * head_dim, spread=0.3)
            t[p + "self_attn.v_proj.bias"] = vec(kv_heads * head_dim, spread=0.3)
        if model_type == "qwen3":
            t[p + "self_attn.q_norm.weight"] = vec(head_dim, 1.0)
            t[p + "self_attn.k_norm.weight"] = vec(head_dim, 1.0)
        t[p + "mlp.gate_proj.weight"] = mat(inter, d)
        t[p + "mlp.up_proj.weight"] = mat(inter, d)
        t[p + "mlp.down_proj.weight"] = mat(d, inter)
    # A final norm well below 1 keeps the tied-head logits (and so the losses) in a realistic range.
    t["model.norm.weight"] = vec(d, 0.35, 0.05)
    if not config.get("tie_word_embeddings", False):
        t["lm_head.weight"] = mat(vocab, d) * 6.0
    return t


def create(arch, out, seed=0, vocab=96, rope_format="v4"):
    config = make_config(arch, vocab, rope_format)
    generator = torch.Generator().manual_seed(seed)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), random_weights(config, generator), {"format": "pt"})
    return config


# ---------------------------------------------------------------------------------------------------------------------
# Self-check: the vectorised fp32 code above against a naive float64 computation written differently (per position,
# per head, explicit pair rotation, explicit llama3 bands, loops over visible keys), plus format and causality checks.

def naive_losses(config, tensors, ids):
    w = {k: v.double() for k, v in tensors.items()}
    model_type = config["model_type"]
    if model_type == "gpt2":
        return naive_gpt2(config, w, ids)
    d = config["hidden_size"]
    heads, kv_heads = config["num_attention_heads"], config.get("num_key_value_heads") or config["num_attention_heads"]
    hd = config.get("head_dim") or d // heads
    eps = config.get("rms_norm_eps", 1e-6)
    theta, scaling = rope_settings(config)
    freqs = []
    for i in range(hd // 2):
        f = theta ** (-(2 * i) / hd)
        if scaling.get("rope_type", scaling.get("type")) == "llama3":
            factor, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
            old = scaling["original_max_position_embeddings"]
            wl = 2 * math.pi / f
            if wl < old / hi:
                pass
            elif wl > old / lo:
                f = f / factor
            else:
                s = (old / wl - lo) / (hi - lo)
                f = (1 - s) * f / factor + s * f
        freqs.append(f)

    def rms(x, g):
        return g * x / math.sqrt(float((x * x).mean()) + eps)

    def rope(vec, pos):
        out = vec.clone()
        for i in range(hd // 2):
            c, s = math.cos(pos * freqs[i]), math.sin(pos * freqs[i])
            a, b = float(vec[i]), float(vec[i + hd // 2])
            out[i], out[i + hd // 2] = a * c - b * s, b * c + a * s
        return out

    def lin(x, name):
        y = w[name + ".weight"] @ x
        return y + w[name + ".bias"] if name + ".bias" in w else y

    windows = layer_windows(config, config["num_hidden_layers"])
    xs = [w["model.embed_tokens.weight"][t].clone() for t in ids]
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        qs, ks, vs = [], [], []
        for pos, x in enumerate(xs):
            h = rms(x, w[p + "input_layernorm.weight"])
            q, k, v = lin(h, p + "self_attn.q_proj"), lin(h, p + "self_attn.k_proj"), lin(h, p + "self_attn.v_proj")
            qh = [q[j * hd:(j + 1) * hd] for j in range(heads)]
            kh = [k[j * hd:(j + 1) * hd] for j in range(kv_heads)]
            if model_type == "qwen3":
                qh = [rms(t, w[p + "self_attn.q_norm.weight"]) for t in qh]
                kh = [rms(t, w[p + "self_attn.k_norm.weight"]) for t in kh]
            qs.append([rope(t, pos) for t in qh])
            ks.append([rope(t, pos) for t in kh])
            vs.append([v[j * hd:(j + 1) * hd] for j in range(kv_heads)])
        new = []
        for pos, x in enumerate(xs):
            first = 0 if windows[layer] is None else max(0, pos - windows[layer] + 1)
            outs = []
            for j in range(heads):
                g = j // (heads // kv_heads)
                scores = [float(qs[pos][j] @ ks[s][g]) / math.sqrt(hd) for s in range(first, pos + 1)]
                top = max(scores)
                e = [math.exp(s - top) for s in scores]
                outs.append(sum(ei / sum(e) * vs[s][g] for ei, s in zip(e, range(first, pos + 1))))
            x = x + lin(torch.cat(outs), p + "self_attn.o_proj")
            h = rms(x, w[p + "post_attention_layernorm.weight"])
            gate = lin(h, p + "mlp.gate_proj")
            x = x + lin(gate / (1 + torch.exp(-gate)) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
            new.append(x)
        xs = new
    head = w["model.embed_tokens.weight"] if config.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return naive_ce([head @ rms(x, w["model.norm.weight"]) for x in xs], ids)


def naive_gpt2(config, w, ids):
    d, heads = config["n_embd"], config["n_head"]
    hd = d // heads
    eps = config["layer_norm_epsilon"]
    p0 = "transformer."

    def ln(x, name):
        mu = float(x.mean())
        var = float(((x - mu) ** 2).mean())
        return (x - mu) / math.sqrt(var + eps) * w[name + ".weight"] + w[name + ".bias"]

    def gelu_new(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    xs = [w[p0 + "wte.weight"][t] + w[p0 + "wpe.weight"][i] for i, t in enumerate(ids)]
    for layer in range(config["n_layer"]):
        p = f"{p0}h.{layer}."
        qkv = [w[p + "attn.c_attn.weight"].T @ ln(x, p + "ln_1") + w[p + "attn.c_attn.bias"] for x in xs]
        new = []
        for pos, x in enumerate(xs):
            outs = []
            for j in range(heads):
                q = qkv[pos][j * hd:(j + 1) * hd]
                scores = [float(q @ qkv[s][d + j * hd:d + (j + 1) * hd]) / math.sqrt(hd) for s in range(pos + 1)]
                top = max(scores)
                e = [math.exp(s - top) for s in scores]
                outs.append(sum(ei / sum(e) * qkv[s][2 * d + j * hd:2 * d + (j + 1) * hd] for s, ei in enumerate(e)))
            x = x + w[p + "attn.c_proj.weight"].T @ torch.cat(outs) + w[p + "attn.c_proj.bias"]
            h = gelu_new(w[p + "mlp.c_fc.weight"].T @ ln(x, p + "ln_2") + w[p + "mlp.c_fc.bias"])
            new.append(x + w[p + "mlp.c_proj.weight"].T @ h + w[p + "mlp.c_proj.bias"])
        xs = new
    return naive_ce([w[p0 + "wte.weight"] @ ln(x, p0 + "ln_f") for x in xs], ids)


def naive_ce(logits, ids):
    out = [None]
    for j in range(1, len(ids)):
        row = [float(v) for v in logits[j - 1]]
        top = max(row)
        out.append(top + math.log(sum(math.exp(v - top) for v in row)) - row[ids[j]])
    return out


def selfcheck():
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        # safetensors round trip, including a BF16 tensor and an empty one.
        path = os.path.join(tmp, "t.safetensors")
        original = {"a": torch.randn(3, 5), "b.c": torch.arange(7, dtype=torch.float32), "e": torch.empty(0, 4),
                    "h": torch.tensor([1.5, -2.0, 3.25], dtype=torch.bfloat16)}
        write_safetensors(path, original, {"format": "pt"})
        back = read_safetensors(path)
        with open(path, "rb") as f:
            header_len = struct.unpack("<Q", f.read(8))[0]
        check(header_len % 8 == 0 and set(back) == set(original)
              and all(torch.equal(back[k], original[k].float()) for k in original),
              "safetensors: written by hand, read back bit for bit (F32, BF16, empty), header 8-aligned")

        # llama3 bands: the test config must exercise all three branches.
        cfg = make_config("llama3", 96, "v4")
        inv, _ = inverse_frequencies(cfg, 16)
        base = 1.0 / (500000.0 ** (torch.arange(0, 16, 2).float() / 16))
        kept = torch.isclose(inv, base).sum().item()
        divided = torch.isclose(inv, base / 8).sum().item()
        check(kept >= 1 and divided >= 1 and kept + divided < len(inv), "llama3 rope: kept, divided and blended bands all present")

        ids = [3, 17, 42, 5, 88, 17, 0, 61, 29, 3, 95]
        for arch in ARCHES:
            for fmt in (("v4", "v5") if arch in ("llama3", "qwen3") else ("v4",)):
                d = os.path.join(tmp, f"{arch}-{fmt}")
                config = create(arch, d, seed=ARCHES.index(arch), rope_format=fmt)
                config, tensors = load_checkpoint(d)
                fast = token_losses(config, tensors, ids)
                slow = naive_losses(config, tensors, ids)
                worst = max(abs(a - b) for a, b in zip(fast[1:], slow[1:]))
                spread = max(fast[1:]) - min(fast[1:])
                check(fast[0] is None and worst <= 1e-4 and spread > 1.0,
                      f"{arch} ({fmt} config): fp32 vs naive fp64 max |diff| {worst:.2e}, losses span {spread:.2f} nats")
                prefix = token_losses(config, tensors, ids[:6])
                check(max(abs(a - b) for a, b in zip(prefix[1:], fast[1:6])) <= 1e-5,
                      f"{arch} ({fmt} config): a prefix scores the same as the start of the full sequence (causal)")
        # A window smaller than the sequence must change Mistral's losses beyond it, and only there.
        config, tensors = load_checkpoint(os.path.join(tmp, "mistral-v4"))
        windowed = token_losses(config, tensors, ids)
        full = token_losses(dict(config, sliding_window=None), tensors, ids)
        check(max(abs(a - b) for a, b in zip(windowed[1:5], full[1:5])) <= 1e-6
              and max(abs(a - b) for a, b in zip(windowed[5:], full[5:])) > 1e-3,
              "mistral: sliding window 4 leaves positions < 4 alone and changes later ones")
    print("selfcheck: " + ("all passed" if not failures else f"{len(failures)} FAILED"))
    return 0 if not failures else 1


def sgd_step(directory, sequences, masks, lr, names):
    """One SGD step, p -= lr * grad(mean masked next-token loss), every parameter trainable, in float32."""
    global next_token_losses
    config, stored = load_checkpoint(directory)
    params = {n: t.float().clone().requires_grad_(True) for n, t in stored.items()}
    captured = []
    plain = next_token_losses
    next_token_losses = lambda logits, ids: captured.append(logits) or []  # the forward's logits, with autograd
    try:
        terms = []
        for ids, mask in zip(sequences, masks):
            captured.clear()
            if config["model_type"] == "gpt2":
                gpt2_losses(config, params, ids)
            else:
                llama_family_losses(config, params, ids)
            logp = torch.log_softmax(captured[0].float(), dim=-1)
            terms += [-logp[j - 1, ids[j]] for j in range(1, len(ids)) if mask[j]]
    finally:
        next_token_losses = plain
    loss = torch.stack(terms).mean()
    loss.backward()
    updated = {}
    with torch.no_grad():
        for name in names:
            p = params[name]
            step = p - lr * p.grad if p.grad is not None else p
            updated[name] = [float(v) for v in step.reshape(-1)]
    return float(loss), updated


# ---------------------------------------------------------------------------------------------------------------------

def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_losses = sub.add_parser("losses", help="print per-token losses of token sequences as JSON")
    p_losses.add_argument("--model", required=True, help="HF checkpoint directory")
    group = p_losses.add_mutually_exclusive_group(required=True)
    group.add_argument("--tokens", help="JSON array of token-id arrays")
    group.add_argument("--tokens-file", help="file holding a JSON array of token-id arrays")
    p_create = sub.add_parser("create", help="write a small random checkpoint in HF format")
    p_create.add_argument("--arch", required=True, choices=ARCHES)
    p_create.add_argument("--out", required=True)
    p_create.add_argument("--seed", type=int, default=0)
    p_create.add_argument("--vocab", type=int, default=96)
    p_create.add_argument("--rope-format", choices=("v4", "v5"), default="v4",
                          help="v4: rope_theta + rope_scaling; v5: rope_parameters (transformers 5)")
    sub.add_parser("selfcheck", help="check this reference against a naive float64 computation")
    p_sgd = sub.add_parser("sgd", help="one SGD step on the mean masked loss; print the loss and updated tensors")
    p_sgd.add_argument("--model", required=True)
    p_sgd.add_argument("--tokens", required=True, help="JSON array of token-id arrays")
    p_sgd.add_argument("--masks", required=True, help="JSON array of 0/1 arrays: which positions are scored")
    p_sgd.add_argument("--lr", type=float, required=True)
    p_sgd.add_argument("--names", required=True, help="JSON array of tensor names to print after the step")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    if args.command == "selfcheck":
        return selfcheck()
    if args.command == "sgd":
        loss, updated = sgd_step(args.model, json.loads(args.tokens), json.loads(args.masks), args.lr, json.loads(args.names))
        print(json.dumps({"loss": loss, "updated": updated}))
        return 0
    if args.command == "create":
        config = create(args.arch, args.out, args.seed, args.vocab, args.rope_format)
        print(json.dumps({"created": args.out, "model_type": config["model_type"]}))
        return 0
    if args.tokens is not None:
        sequences = json.loads(args.tokens)
    else:
        with open(args.tokens_file, encoding="utf-8") as f:
            sequences = json.load(f)
    config, tensors = load_checkpoint(args.model)
    losses = [token_losses(config, tensors, list(map(int, seq))) for seq in sequences]
    print(json.dumps({"model_type": config["model_type"], "losses": losses}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
