#!/usr/bin/env python3
"""The plain-PyTorch peer of `bench train`: the same training step as tokenclean's Trainer, in eager PyTorch.

Llama forward in fp32 (HF math: RMSNorm, rotary, causal softmax attention, SwiGLU), mean cross-entropy over the
positions whose label is not -100, backward, clip_grad_norm_(1.0), torch.optim.AdamW (betas 0.9/0.999, eps 1e-8,
weight decay 0). --mode full trains every weight; --mode lora adds W + (alpha/r) * B @ A adapters (no dropout) on the
seven projections of every block and trains only those. Samples: the JSON the C# bench wrote (list of
{"input_ids", "labels"}), taken in order in micro-batches of --batch (all samples of one length: no padding).
Prints one line per step and a JSON summary with tokens/s and the peak RSS. Run with Debian's python3-torch:
/usr/bin/python3 bench/pytorch/training_step.py --base DIR --data FILE --mode lora --steps 4
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "reference"))
from reference_losses import load_checkpoint, inverse_frequencies  # noqa: E402  (safetensors reader, HF rope)

PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


class Llama:
    def __init__(self, directory, mode, rank, alpha):
        self.config, w = load_checkpoint(directory)
        c = self.config
        self.w = {k: v.float().contiguous() for k, v in w.items()}
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv = c.get("num_key_value_heads") or self.heads
        self.dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.inv, _ = inverse_frequencies(c, self.dim)
        self.scale = alpha / rank
        self.lora = {}
        gen = torch.Generator().manual_seed(42)
        if mode == "full":
            for t in self.w.values():
                t.requires_grad_(True)
            self.trained = list(self.w.values())
        else:
            for i in range(self.layers):
                for p in PROJECTIONS:
                    name = f"model.layers.{i}.{p}.weight"
                    out, inp = self.w[name].shape
                    bound = 1 / math.sqrt(inp)
                    a = (torch.rand(rank, inp, generator=gen) * 2 - 1).mul_(bound).requires_grad_(True)
                    b = torch.zeros(out, rank, requires_grad=True)
                    self.lora[name] = (a, b)
            self.trained = [t for pair in self.lora.values() for t in pair]

    def linear(self, x, name):
        y = x @ self.w[name].T
        if name in self.lora:
            a, b = self.lora[name]
            y = y + ((x @ a.T) @ b.T) * self.scale
        return y

    def norm(self, x, weight):
        v = x.pow(2).mean(-1, keepdim=True)
        return weight * (x * torch.rsqrt(v + self.eps))

    def loss(self, ids, labels):
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
            q = self.linear(x, p + "self_attn.q_proj.weight").view(b, n, self.heads, self.dim).transpose(1, 2)
            k = self.linear(x, p + "self_attn.k_proj.weight").view(b, n, self.kv, self.dim).transpose(1, 2)
            v = self.linear(x, p + "self_attn.v_proj.weight").view(b, n, self.kv, self.dim).transpose(1, 2)
            rot = lambda t: torch.cat([-t[..., self.dim // 2:], t[..., : self.dim // 2]], -1)
            q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
            if self.kv != self.heads:
                k = k.repeat_interleave(self.heads // self.kv, 1)
                v = v.repeat_interleave(self.heads // self.kv, 1)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(self.dim) + mask
            a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, n, -1)
            h = h + self.linear(a, p + "self_attn.o_proj.weight")
            x = self.norm(h, w[p + "post_attention_layernorm.weight"])
            g = torch.nn.functional.silu(self.linear(x, p + "mlp.gate_proj.weight")) * self.linear(x, p + "mlp.up_proj.weight")
            h = h + self.linear(g, p + "mlp.down_proj.weight")
        h = self.norm(h, w["model.norm.weight"])
        head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        logits = h[:, :-1] @ head.T
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--mode", choices=["lora", "full"], default="lora")
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(args.data, encoding="utf-8") as f:
        samples = json.load(f)
    model = Llama(args.base, args.mode, args.rank, args.alpha)
    opt = torch.optim.AdamW(model.trained, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    rates = []
    for step in range(args.steps):
        group = [samples[(step * args.batch + i) % len(samples)] for i in range(args.batch)]
        ids = torch.tensor([s["input_ids"] for s in group])
        labels = torch.tensor([s["labels"] for s in group])
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(ids, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.trained, 1.0)
        opt.step()
        value = loss.item()
        dt = time.perf_counter() - t0
        rates.append(ids.numel() / dt)
        print(f"step {step + 1}/{args.steps} loss {value:.4f} {dt:.2f} s {ids.numel() / dt:.0f} tokens/s", file=sys.stderr, flush=True)
    measured = rates[1:] if len(rates) > 1 else rates
    print(json.dumps({
        "torch": torch.__version__, "mode": args.mode, "threads": args.threads,
        "tokens_per_second": sum(measured) / len(measured), "steps": rates,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    main()
