#!/usr/bin/env python3
"""Independent reference for one tokenclean training step, in plain PyTorch (python3-torch 1.13, no HF, no PEFT).

Reuses the model math and the safetensors reader of reference_losses.py (same folder) and computes one optimizer
step the way a PyTorch fine-tuning script does it:

    for each micro-batch b of the step:   (loss_b / number of micro-batches).backward()
        loss_b = mean cross-entropy over the masked (response) positions of the sequences in b
    torch.nn.utils.clip_grad_norm_(trained, max_norm)        (when max_norm > 0)
    torch.optim.AdamW(trained, lr, betas, eps, weight_decay).step()

Full fine-tuning trains every tensor of the checkpoint. LoRA (--lora FILE) trains only the adapters in FILE
(safetensors, PEFT names "<module>.lora_A.weight" [r, in] and "<module>.lora_B.weight" [out, r]): each adapted
projection uses W + scale * B @ A (transposed for GPT-2's Conv1D weights, stored [in, out]), which is the same
function as adding scale * x A^T B^T to the frozen projection.

    step --model DIR --batches JSON --masks JSON --lr LR [--weight-decay WD] [--betas B1,B2] [--eps EPS]
         [--max-grad-norm N] [--lora FILE --lora-scale S] --names JSON
      --batches: [[seq, seq, ...], ...] (micro-batches of token-id lists); --masks: the same shape with 0/1
      prints {"loss": mean of the micro-batch losses, "grad_norm": norm before clipping,
              "updated": {name: [flattened values after the step]}}

Run it with the Debian interpreter that has python3-torch: /usr/bin/python3 tools/reference/reference_training.py ...
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_losses as ref  # noqa: E402  (the model math; same folder)


def forward_logits(config, tensors, ids):
    """Logits [T, V] of one sequence, with autograd, through reference_losses' architecture code."""
    captured = []
    plain = ref.next_token_losses
    ref.next_token_losses = lambda logits, _ids: captured.append(logits) or []
    try:
        if config["model_type"] == "gpt2":
            ref.gpt2_losses(config, tensors, ids)
        else:
            ref.llama_family_losses(config, tensors, ids)
    finally:
        ref.next_token_losses = plain
    return captured[0].float()


def step(args):
    config, stored = ref.load_checkpoint(args.model)
    batches, masks = json.loads(args.batches), json.loads(args.masks)
    if args.lora:
        adapters = {n: t.clone().requires_grad_(True) for n, t in ref.read_safetensors(args.lora).items()}
        trained = adapters
        modules = sorted({n[: -len(".lora_A.weight")] for n in adapters if n.endswith(".lora_A.weight")})

        def effective():
            t = dict(stored)
            for m in modules:
                key = m + ".weight"
                if key not in t and key.startswith("transformer."):
                    key = key[len("transformer."):]
                delta = args.lora_scale * (adapters[m + ".lora_B.weight"] @ adapters[m + ".lora_A.weight"])
                w = t[key]
                t[key] = w + (delta.T if w.shape != delta.shape else delta)
            return t
    else:
        trained = {n: t.clone().requires_grad_(True) for n, t in stored.items()}

        def effective():
            return trained

    losses = []
    for seqs, seq_masks in zip(batches, masks):
        weights = effective()
        terms = []
        for ids, mask in zip(seqs, seq_masks):
            logp = torch.log_softmax(forward_logits(config, weights, ids), dim=-1)
            terms += [-logp[j - 1, ids[j]] for j in range(1, len(ids)) if mask[j]]
        loss = torch.stack(terms).mean()
        (loss / len(batches)).backward()
        losses.append(float(loss))

    params = [trained[n] for n in sorted(trained)]
    with torch.no_grad():
        norm = float(torch.norm(torch.stack([torch.norm(p.grad.detach(), 2) for p in params if p.grad is not None]), 2))
    if args.max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm)
    beta1, beta2 = (float(b) for b in args.betas.split(","))
    optimizer = torch.optim.AdamW(params, lr=args.lr, betas=(beta1, beta2), eps=args.eps, weight_decay=args.weight_decay)
    optimizer.step()
    updated = {}
    for name in json.loads(args.names):
        updated[name] = [float(v) for v in trained[name].detach().reshape(-1)]
    return {"loss": sum(losses) / len(losses), "grad_norm": norm, "updated": updated}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("step", help="one AdamW step (full or LoRA); print loss and updated tensors as JSON")
    p.add_argument("--model", required=True)
    p.add_argument("--batches", required=True)
    p.add_argument("--masks", required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--betas", default="0.9,0.999")
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--max-grad-norm", type=float, default=0.0)
    p.add_argument("--lora")
    p.add_argument("--lora-scale", type=float, default=1.0)
    p.add_argument("--names", required=True)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(json.dumps(step(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
