#!/usr/bin/env python3
"""The paper's way as a peer for the scoring bench: plain PyTorch eager, padded batches, fp32, HF-style math.

Scores the samples the C# bench wrote (JSON array of token-id arrays) with the base and reference Llama checkpoints
the C# bench created, batched as the engine does (longest first, at most --batch-tokens rows = batch x longest),
right-padded with a causal mask, logits for every position, cross-entropy per token. Prints tokens/s (each token
through both models). Run with Debian's python3-torch: /usr/bin/python3 bench/pytorch/eager_scoring.py ...
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "reference"))
from reference_losses import load_checkpoint, inverse_frequencies  # noqa: E402  (safetensors reader, HF rope)


class Llama:
    def __init__(self, directory):
        self.config, w = load_checkpoint(directory)
        c = self.config
        self.w = {k: v.float() for k, v in w.items()}
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv = c.get("num_key_value_heads") or self.heads
        self.dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.inv, _ = inverse_frequencies(c, self.dim)

    def norm(self, x, weight):
        v = x.pow(2).mean(-1, keepdim=True)
        return weight * (x * torch.rsqrt(v + self.eps))

    def losses(self, ids):
        w, (b, n) = self.w, ids.shape
        pos = torch.arange(n, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv)
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((n, n), float("-inf")).triu(1)
        h = w["model.embed_tokens.weight"][ids]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            x = self.norm(h, w[p + "input_layernorm.weight"])
            q = (x @ w[p + "self_attn.q_proj.weight"].T).view(b, n, self.heads, self.dim).transpose(1, 2)
            k = (x @ w[p + "self_attn.k_proj.weight"].T).view(b, n, self.kv, self.dim).transpose(1, 2)
            v = (x @ w[p + "self_attn.v_proj.weight"].T).view(b, n, self.kv, self.dim).transpose(1, 2)
            rot = lambda t: torch.cat([-t[..., self.dim // 2:], t[..., : self.dim // 2]], -1)
            q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
            if self.kv != self.heads:
                k = k.repeat_interleave(self.heads // self.kv, 1)
                v = v.repeat_interleave(self.heads // self.kv, 1)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(self.dim) + mask
            a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, n, -1)
            h = h + a @ w[p + "self_attn.o_proj.weight"].T
            x = self.norm(h, w[p + "post_attention_layernorm.weight"])
            g = torch.nn.functional.silu(x @ w[p + "mlp.gate_proj.weight"].T) * (x @ w[p + "mlp.up_proj.weight"].T)
            h = h + g @ w[p + "mlp.down_proj.weight"].T
        h = self.norm(h, w["model.norm.weight"])
        head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        logits = h[:, :-1] @ head.T
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")


def batches(samples, budget):
    order = sorted(range(len(samples)), key=lambda i: (-len(samples[i]), i))
    start = 0
    while start < len(order):
        longest = len(samples[order[start]])
        end = start + 1
        while end < len(order) and (end - start + 1) * longest <= budget:
            end += 1
        yield [samples[i] for i in order[start:end]], longest
        start = end


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.samples, encoding="utf-8") as f:
        samples = json.load(f)
    models = [Llama(args.base), Llama(args.ref)]
    tokens = sum(len(s) for s in samples)
    with torch.no_grad():
        models[0].losses(torch.tensor([samples[0][:128]]))
        for r in range(args.rounds):
            t0 = time.perf_counter()
            for m in models:
                for group, longest in batches(samples, args.batch_tokens):
                    ids = torch.zeros(len(group), longest, dtype=torch.int64)
                    for i, s in enumerate(group):
                        ids[i, : len(s)] = torch.tensor(s)
                    m.losses(ids)
            dt = time.perf_counter() - t0
            print(f"pytorch {torch.__version__} eager padded fp32 round {r}: {dt:.2f} s, {tokens / dt:.0f} tokens/s "
                  f"(each token through both models), {args.threads} threads, BLAS core {os.environ.get('OPENBLAS_CORETYPE', 'auto')}")


if __name__ == "__main__":
    main()
