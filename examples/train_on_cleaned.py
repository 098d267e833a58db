#!/usr/bin/env python3
"""Fine-tune a causal LM on tokenclean's cleaned output (a sketch; not run in this repository's CI).

    python3 examples/train_on_cleaned.py --lake /data/lake/cleaned --model Qwen/Qwen3-0.6B

Reads every committed file of a dataset folder (<root>/<dataset>/date=*/*.arrow; temporary files start with
"." and are skipped by the glob), memory-mapped by Hugging Face datasets, and trains on `labels`: the token id
where tokenclean kept the token, -100 where it did not (prompt and dropped tokens), which the loss ignores.
`labels` are aligned with `input_ids`; the model shifts them by one itself, as for any HF causal LM.
"""
import argparse
import glob
import os

import datasets
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def load_lake(dataset_dir):
    files = sorted(glob.glob(os.path.join(dataset_dir, "date=*", "*.arrow")))
    if not files:
        raise SystemExit(f"no committed files under {dataset_dir}")
    # Dataset.from_file memory-maps an Arrow IPC stream file: nothing is copied into RAM.
    parts = [datasets.Dataset.from_file(f) for f in files]
    ds = datasets.concatenate_datasets(parts)
    return ds.select_columns(["input_ids", "labels"])


def collate(rows, pad_id, max_len):
    rows = [{k: r[k][:max_len] for k in ("input_ids", "labels")} for r in rows]
    width = max(len(r["input_ids"]) for r in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)  # padding never counts in the loss
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        input_ids[i, :n] = torch.tensor(r["input_ids"])
        labels[i, :n] = torch.tensor(r["labels"])
        attention[i, :n] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lake", required=True, help="the dataset folder: <root>/<dataset>")
    ap.add_argument("--model", required=True, help="the base model (the same tokenizer that tokenclean used)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-len", type=int, default=4096)
    ap.add_argument("--out", default="checkpoint-cleaned")
    args = ap.parse_args()

    ds = load_lake(args.lake)
    tok = AutoTokenizer.from_pretrained(args.model)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.bfloat16 if device == "cuda" else torch.float32).to(device)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch_size, shuffle=True,
                                         collate_fn=lambda rows: collate(rows, pad_id, args.max_len))
    for epoch in range(args.epochs):
        for step, batch in enumerate(loader):
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = model(**batch).loss  # mean cross-entropy over the kept tokens only (labels != -100)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            if step % 10 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
    # A new reference checkpoint for the self-evolving loop: point tokenclean's model refresher at it.
    model.save_pretrained(args.out)
    tok.save_pretrained(args.out)


if __name__ == "__main__":
    main()
