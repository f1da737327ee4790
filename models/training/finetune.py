"""Fine-tune a served model on the user's own photos (run by `npm run finetune`, scripts/finetune).

Continues training from the served ONNX weights (their BatchNorms rebuilt around the folded
convolutions, as the trainers' --init-onnx does), holds out part of the user's photos
(deterministic by file name), keeps the best epoch by the hold-out (and the shipped val split,
when the training data is at --replay), and exports ONNX + card into --out:

  detector:   --data DIR with images/ and labels/ (YOLO: "0 cx cy w h" per banana); a photo with
              no label file, or an empty one, shows no banana (a negative of the user's place)
  classifier: --data DIR with one folder per stage (the card's classes), each photo one banana

--replay DIR (the shipped training data, ../shared/data/banana-ripening) mixes its training
photos into every epoch, as many as the user's, so the model keeps what it knew (rehearsal),
and reports the shipped val split before and after. Ctrl-C (SIGINT) stops after the current
step and exports the best epoch so far.
"""
import argparse
import datetime
import hashlib
import json
import os
import signal
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import EMA, adamw, cached_arrays, crop_for_classifier, letterbox, normalize, open_rgb, seed_everything  # noqa: E402
from detection_metrics import detection_report  # noqa: E402
from export_onnx import export_network  # noqa: E402
from nets import BananaAlexNet, detector_for  # noqa: E402
import realworld_training  # noqa: E402
import train_classifier  # noqa: E402
import train_detector as td  # noqa: E402

PHOTO = (".jpg", ".jpeg", ".png", ".webp")
stop_requested = False


def on_sigint(_signum, _frame):
    global stop_requested
    if stop_requested:
        raise KeyboardInterrupt
    stop_requested = True
    print("stopping after this step; the best epoch so far is kept (Ctrl-C again to abandon)", flush=True)


def held_out(name, share):
    """Deterministic hold-out: the same photo is on the same side in every run."""
    return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) % 1000 < share * 1000


def split_names(names, share):
    hold = [n for n in names if held_out(n, share)]
    train = [n for n in names if not held_out(n, share)]
    if not hold or not train:
        sys.exit(f"finetune: {len(names)} photos are too few to hold {share:.0%} of them out; give at least 10")
    return train, hold


def user_detection_photos(folder, card):
    images = os.path.join(folder, "images")
    images = images if os.path.isdir(images) else folder
    names = sorted(f for f in os.listdir(images) if f.lower().endswith(PHOTO))
    if len(names) < 10:
        sys.exit(f"finetune: {images} holds {len(names)} photos; give at least 10 (YOLO: images/ and labels/)")
    xs, bs = {}, {}
    for name in names:
        label = os.path.join(folder, "labels", os.path.splitext(name)[0] + ".txt")
        xs[name], bs[name] = read_photo(os.path.join(images, name), label, card)
    return names, xs, bs


def read_photo(image_path, label_path, card):
    if label_path and os.path.exists(label_path):
        return td.read_yolo(image_path, label_path, card)
    inp = card["input"]
    x, _, _, _ = letterbox(open_rgb(image_path), inp["width"], inp["height"], inp["resize"]["pad_value"])
    return x, np.zeros((0, 4), dtype=np.float32)


def photo_rates(preds, boxes, conf):
    """found: photos with bananas where one is found; flagged: photos without where one is found."""
    hit = [bool(len(sc) and sc.max() >= conf) for _, sc in preds]
    with_b = [h for h, b in zip(hit, boxes) if len(b)]
    without = [h for h, b in zip(hit, boxes) if not len(b)]
    rate = (lambda xs: float(np.mean(xs)) if xs else None)
    return {"photos_with_bananas": len(with_b), "found": rate(with_b),
            "photos_without_bananas": len(without), "flagged": rate(without)}


def fmt(report):
    parts = []
    for key, value in report.items():
        if isinstance(value, float):
            parts.append(f"{key} {value:.3f}")
        elif isinstance(value, int):
            parts.append(f"{key} {value}")
    return " ".join(parts)


def detector_reports(model, card, grid, hold, replay_val):
    gxy, strides = grid
    conf = card["thresholds"]["confidence"]
    x_hold, b_hold = hold
    preds = td.predict(model, x_hold, card, gxy, strides)
    report = {"holdout": photo_rates(preds, b_hold, conf)}
    if any(len(b) for b in b_hold):
        report["holdout"].update({k: v for k, v in detection_report(preds, list(b_hold), conf).items()
                                  if k in ("map50", "recall", "precision")})
    if replay_val is not None:
        x_val, b_val = replay_val
        rep = detection_report(td.predict(model, x_val, card, gxy, strides), list(b_val), conf)
        report["shipped_val"] = {k: rep[k] for k in ("map50", "recall", "precision")}
    return report


def detector_score(report):
    """Best epoch: hold-out mAP@0.5 (when it has boxes) and the shipped val's, less the share of
    banana-free hold-out photos flagged."""
    hold = report["holdout"]
    return hold.get("map50", 0.0) + report.get("shipped_val", {}).get("map50", 0.0) - (hold["flagged"] or 0.0)


def pseudo_labelled(folder, model, card, grid):
    """Photos known to show bananas, without boxes: boxed by the served model (its weights, its
    thresholds); a photo where it finds none cannot be labelled and is left out."""
    gxy, strides = grid
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith(PHOTO))
    xs = {f"with-bananas/{n}": read_photo(os.path.join(folder, n), "", card)[0] for n in names}
    preds = td.predict(model, np.stack(list(xs.values())), card, gxy, strides, conf=card["thresholds"]["confidence"])
    boxes = {name: b.astype(np.float32) for name, (b, _) in zip(xs, preds) if len(b)}
    print(f"--with-bananas: {len(boxes)} of {len(names)} photos boxed by the served model"
          f" ({sum(len(b) for b in boxes.values())} boxes); {len(names) - len(boxes)} without a box left out", flush=True)
    return {n: xs[n] for n in boxes}, boxes


def finetune_detector(args, card):
    names, xs, bs = user_detection_photos(args.data, card)
    replay = cached_arrays("detector", args.replay, card, td.build_cache) if args.replay else None
    model = detector_for(card)
    realworld_training.init_detector_from_onnx(
        model, args.onnx, replay["x_train"] if replay else np.stack(list(xs.values())), card)
    gxy, centers, strides = td.grids(card)
    if args.with_bananas:
        px, pb = pseudo_labelled(args.with_bananas, model, card, (gxy, strides))
        xs, bs, names = {**xs, **px}, {**bs, **pb}, names + sorted(px)
    train, hold = split_names(names, args.holdout)
    x_train = np.stack([xs[n] for n in train])
    b_train = [bs[n] for n in train]
    x_hold, b_hold = np.stack([xs[n] for n in hold]), [bs[n] for n in hold]
    print(f"photos: {len(train)} to train on ({sum(1 for b in b_train if len(b))} with bananas),"
          f" {len(hold)} held out ({sum(1 for b in b_hold if len(b))} with bananas);"
          f" replay: {0 if replay is None else len(replay['x_train'])} shipped training photos", flush=True)
    replay_val = (replay["x_val"], replay["b_val"]) if replay is not None else None

    def reports(m):
        return detector_reports(m, card, (gxy, strides), (x_hold, b_hold), replay_val)

    def step(batch_x, batch_b, rng):
        xb, bb = td.augment(torch.from_numpy(batch_x), batch_b, rng, (0.6, 1.5))
        raw = model(normalize(xb, card))
        return td.loss_fn(raw, bb, gxy, centers, strides)[0]

    def batches(rng):
        return mixed_batches(x_train, b_train, replay and (replay["x_train"], replay["b_train"]), args.batch, rng)

    return train_loop(args, model, reports, detector_score, step, batches,
                      lambda m: export_network(m, card, [card["output"]["name"]],
                                               {card["input"]["name"]: {0: "batch"}, card["output"]["name"]: {0: "batch"}},
                                               os.path.join(args.out, "detector.onnx")),
                      {"photos": len(names), "held_out": len(hold)})


def user_stage_photos(folder, card):
    classes = card["classes"]
    present = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    unknown = [d for d in present if d not in classes]
    if unknown:
        sys.exit(f"finetune: {folder} has folders that are not stages: {', '.join(unknown)} (stages: {', '.join(classes)})")
    names, xs, ys = [], {}, {}
    for ci, stage in enumerate(classes):
        sub = os.path.join(folder, stage)
        if not os.path.isdir(sub):
            continue
        for f in sorted(os.listdir(sub)):
            if f.lower().endswith(PHOTO):
                key = f"{stage}/{f}"
                img = open_rgb(os.path.join(sub, f))
                xs[key], ys[key] = crop_for_classifier(img, (0, 0, img.size[0], img.size[1]), card), ci
                names.append(key)
    if len(names) < 10:
        sys.exit(f"finetune: {folder} holds {len(names)} photos in stage folders ({', '.join(classes)}); give at least 10")
    return names, xs, ys


def finetune_classifier(args, card):
    names, xs, ys = user_stage_photos(args.data, card)
    train, hold = split_names(names, args.holdout)
    x_train, y_train = np.stack([xs[n] for n in train]), np.array([ys[n] for n in train])
    x_hold, y_hold = np.stack([xs[n] for n in hold]), np.array([ys[n] for n in hold])
    replay = cached_arrays("classifier", args.replay, card, train_classifier.build_cache) if args.replay else None
    print(f"photos: {len(train)} to train on, {len(hold)} held out;"
          f" replay: {0 if replay is None else len(replay['x_train'])} shipped training crops", flush=True)
    model = BananaAlexNet(num_classes=len(card["classes"]))
    train_classifier.init_from_onnx(model, args.onnx, torch.from_numpy(replay["x_train"] if replay else x_train), card)

    def reports(m):
        top1, within1, _ = train_classifier.evaluate(m, x_hold, y_hold, card)
        report = {"holdout": {"photos": len(y_hold), "top1": top1, "within_one_stage": within1}}
        if replay is not None:
            top1, within1, _ = train_classifier.evaluate(m, replay["x_val"], replay["y_val"], card)
            report["shipped_val"] = {"top1": top1, "within_one_stage": within1}
        return report

    def score(report):
        return report["holdout"]["top1"] + report.get("shipped_val", {}).get("top1", 0.0)

    def step(batch_x, batch_y, _rng):
        xb = train_classifier.augment(torch.from_numpy(batch_x))
        logits = model(normalize(xb, card))
        return F.cross_entropy(logits, torch.from_numpy(np.asarray(batch_y)), label_smoothing=0.1)

    def batches(rng):
        return mixed_batches(x_train, y_train, replay and (replay["x_train"], replay["y_train"]), args.batch, rng)

    out = card["output"]["name"]
    return train_loop(args, model, reports, score, step, batches,
                      lambda m: export_network(m, card, [out], {card["input"]["name"]: {0: "batch"}, out: {0: "batch"}},
                                               os.path.join(args.out, "classifier.onnx")),
                      {"photos": len(names), "held_out": len(hold)})


def mixed_batches(x, labels, replay, batch, rng):
    """The user's photos in a new order, each followed by a random shipped one when `replay`
    (x, labels) is given (as many shipped photos as the user's), in batches of `batch` (one batch
    of all of them when there are fewer)."""
    order = rng.permutation(len(x))
    pairs = [(x[i], labels[i]) for i in order]
    if replay is not None:
        pick = rng.choice(len(replay[0]), size=len(pairs), replace=False)
        pairs = [p for pair in zip(pairs, [(replay[0][i], replay[1][i]) for i in pick]) for p in pair]
    size = min(batch, len(pairs))
    for s in range(0, len(pairs) - size + 1, size):
        chunk = pairs[s:s + size]
        yield np.stack([c[0] for c in chunk]), [c[1] for c in chunk]


def train_loop(args, model, reports, score, step, batches, export, counts):
    """Epochs with progress, the best by `score` kept (EMA weights), exported at the end or on Ctrl-C."""
    rng = np.random.default_rng(args.seed)
    ema = EMA(model, decay=0.99, tau=50)
    opt = adamw(model, args.lr)
    before = reports(model)
    print(f"before: {json.dumps(before)}", flush=True)
    # --force: the best epoch is exported even when it does not beat the served model
    best = -float("inf") if args.force else score(before)
    best_state, best_epoch, start = None, 0, time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        losses = []
        for batch_x, batch_y in batches(rng):
            loss = step(batch_x, batch_y, rng)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            ema.update(model)
            losses.append(loss.item())
            if stop_requested:
                break
        rep = reports(ema.model)
        improved = score(rep) > best
        if improved:
            best, best_epoch = score(rep), epoch
            best_state = {k: v.detach().clone() for k, v in ema.model.state_dict().items()}
            torch.save({"model": best_state, "epoch": epoch}, os.path.join(args.out, "best.pt"))
        elapsed = time.time() - start
        print(f"epoch {epoch}/{args.epochs} loss {np.mean(losses):.4f} {fmt(rep['holdout'])}"
              f"{' shipped val ' + fmt(rep['shipped_val']) if 'shipped_val' in rep else ''}"
              f"{' (best)' if improved else ''} [{elapsed:.0f} s]", flush=True)
        if stop_requested:
            print(f"stopped after epoch {epoch} (Ctrl-C)", flush=True)
            break
    if best_state is None:
        print("no epoch beat the served model on the hold-out: nothing exported (--force exports the best epoch anyway)",
              flush=True)
        return 3
    model.load_state_dict(best_state)
    after = reports(model)
    export(model)
    with open(os.path.join(args.out, "finetune.json"), "w") as f:
        json.dump({"epoch": best_epoch, "epochs_run": epoch, "before": before, "after": after,
                   "seconds": round(time.time() - start), **counts}, f, indent=1)
    print(f"after (epoch {best_epoch}): {json.dumps(after)}", flush=True)
    return 0


def write_card(args, card):
    with open(os.path.join(args.out, "finetune.json")) as f:
        result = json.load(f)
    card = dict(card)
    base = card["version"]
    card["version"] = args.version
    card["finetuned"] = {
        "from": {"name": card["name"], "version": base},
        "data": os.path.abspath(args.data),
        "photos": result["photos"], "held_out": result["held_out"],
        "replay": os.path.abspath(args.replay) if args.replay else None,
        "epoch": result["epoch"], "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
        "before": result["before"], "after": result["after"],
        "date": datetime.date.today().isoformat(),
        "note": "thresholds are the base model's; choose them for the new weights with npm run calibrate",
    }
    with open(os.path.join(args.out, f"{args.model}.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["detector", "classifier"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--card", required=True, help="the served model's card")
    ap.add_argument("--onnx", required=True, help="the served model's weights")
    ap.add_argument("--out", required=True, help="folder for the new ONNX, card and checkpoint")
    ap.add_argument("--version", required=True, help="the new card's version")
    ap.add_argument("--with-bananas", default=None,
                    help="detector: photos that show bananas, without boxes; boxed by the served model (pseudo-labels)")
    ap.add_argument("--replay", default=None, help="the shipped training data (rehearsal and the shipped val split)")
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--force", action="store_true", help="export the best epoch even if it does not beat the served model")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
    signal.signal(signal.SIGINT, on_sigint)
    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    with open(args.card) as f:
        card = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    run = finetune_detector if args.model == "detector" else finetune_classifier
    code = run(args, card)
    if code == 0:
        write_card(args, card)
    sys.exit(code)


if __name__ == "__main__":
    main()
