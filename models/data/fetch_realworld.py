"""Rebuild the real-world photo sets (training negatives and evaluation sets) from public GitHub
repositories at fixed commits. Nothing is downloaded here: clone the repositories first (see
models/README.md, "Real-world photos"), then

  /usr/bin/python3 models/data/fetch_realworld.py --repos DIR --out ../data/realworld

DIR holds one clone per repository, named as the repository (GroceryStoreDataset, fruit_detection,
CSC4025Z_Ass2_Fruit_Ripeness, AAI3001-ObjectDetection); a bare mirror (DIR/<name>/repo or a
bare DIR/<name>) works too. Files are read with `git archive <commit>`, so the working tree's
checkout does not matter, only that the commit is present.

Roles (never mixed): `train/` feeds training, threshold tuning and hard-negative mining only;
`eval/` is never trained on nor tuned on; `heldout/` is the held-out split of a training source
(reported, but it measures the training domain, not generalisation). Writes OUT/manifest.json,
which `npm run eval -- --realworld OUT` reads.
"""
import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

SOURCES = {
    "grocery": {
        "repo": "marcusklasson/GroceryStoreDataset",
        "commit": "fc80ba90f803d79d0383df52c5a4ac5de99ff6fc",
        "license": "MIT (repository LICENSE, covers the dataset)",
    },
    "banana_detetot": {
        "repo": "PB-kasst/fruit_detection",
        "commit": "a05d371e1ff29f15c1e148abb7fd449097d0ef27",
        "license": "CC BY 4.0 (data/raw/README.dataset.txt: Roboflow Universe 00mvpbanana/banana-detetot v1); "
                   "repository code MIT",
    },
    "web_ripeness": {
        "repo": "OzDuys/CSC4025Z_Ass2_Fruit_Ripeness",
        "commit": "04f7357a2a535535f26767d461639bd96de8fefa",
        "license": "none stated (Kaggle fruit ripeness web photos); used for evaluation only, never redistributed",
    },
    "fruit_scenes": {
        "repo": "Danielx927/AAI3001-ObjectDetection",
        "commit": "53f33027203d01965d71f1e83a515e1b37513b96",
        "license": "none stated (web photos annotated with LabelImg, YOLO boxes of 10 fruit classes); "
                   "used for evaluation only, never redistributed",
    },
}
IMAGE_EXT = (".jpg", ".jpeg", ".png")
# GroceryStoreDataset: juice cartons carry fruit pictures (possibly bananas); left out of the negatives
GROCERY_SKIP = ("/Banana/", "/Packages/Juice/")
FRUIT_SCENES_BANANA_CLASS = "2"  # data.yaml: apple, avocado, banana, kiwi, ...
WEB_RIPENESS = {  # folder -> (kind, coarse ripeness)
    "freshapples": ("negatives", None), "rottenapples": ("negatives", None), "unripe apple": ("negatives", None),
    "freshoranges": ("negatives", None), "rottenoranges": ("negatives", None), "unripe orange": ("negatives", None),
    "unripe banana": ("bananas", "unripe"), "freshbanana": ("bananas", "fresh"), "rottenbanana": ("bananas", "rotten"),
}


def git_dir(repos, name):
    for candidate in (os.path.join(repos, name, ".git"), os.path.join(repos, name, "repo"), os.path.join(repos, name)):
        if os.path.isdir(candidate) and os.path.exists(os.path.join(candidate, "HEAD")):
            return candidate
    sys.exit(f"fetch_realworld: no git repository for {name} under {repos}")


def archive(repos, key, path):
    """{path in repo: bytes} of every file under `path` at the source's commit."""
    src = SOURCES[key]
    gd = git_dir(repos, src["repo"].split("/")[1])
    out = subprocess.run(["git", "--git-dir", gd, "archive", src["commit"], path], check=True, capture_output=True)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        for m in tar.getmembers():
            if m.isfile():
                files[m.name] = tar.extractfile(m).read()
    return files


def write(dest, data):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as f:
        f.write(data)


def flat(name):
    return name.replace("/", "__").replace(" ", "_")


def grocery(repos, out, sets):
    files = archive(repos, "grocery", "dataset")
    lists = {s: files[f"dataset/{s}.txt"].decode().split("\n") for s in ("train", "val", "test")}
    role = {"train": "train", "val": "train", "test": "heldout"}
    for split, lines in lists.items():
        paths = [ln.split(",")[0].strip() for ln in lines if ln.strip()]
        neg = [p for p in paths if not any(s in f"/{p}" for s in GROCERY_SKIP)]
        ban = [p for p in paths if "/Banana/" in p]
        base = os.path.join(role[split], f"grocery-{split}")
        for p in neg:
            write(os.path.join(out, base, "negatives", flat(p)), files[f"dataset/{p}"])
        sets.append({"name": f"grocery-{split}", "role": role[split], "kind": "negatives", "source": "grocery",
                     "path": os.path.join(base, "negatives"), "photos": len(neg),
                     "what": "smartphone photos of fruit, vegetables and dairy cartons in grocery stores, no banana"})
        for p in ban:
            write(os.path.join(out, base, "bananas", flat(p)), files[f"dataset/{p}"])
        sets.append({"name": f"grocery-{split}-bananas", "role": role[split], "kind": "bananas", "source": "grocery",
                     "path": os.path.join(base, "bananas"), "photos": len(ban), "labels": "none",
                     "what": "smartphone photos of bananas on grocery store shelves (no boxes or counts)"})


def banana_detetot(repos, out, sets):
    """Its train split only (valid and test hold augmented copies of the same photos)."""
    files = archive(repos, "banana_detetot", "data/raw/train")
    n, n_boxes = 0, 0
    for name, data in sorted(files.items()):
        if not name.startswith("data/raw/train/images/") or not name.lower().endswith(IMAGE_EXT):
            continue
        stem = os.path.splitext(os.path.basename(name))[0]
        label = files.get(f"data/raw/train/labels/{stem}.txt", b"")
        base = os.path.join(out, "train", "banana-detetot")
        write(os.path.join(base, "images", os.path.basename(name)), data)
        write(os.path.join(base, "labels", stem + ".txt"), label)
        n, n_boxes = n + 1, n_boxes + len([r for r in label.decode().splitlines() if r.strip()])
    sets.append({"name": "banana-detetot", "role": "train", "kind": "bananas", "source": "banana_detetot",
                 "path": "train/banana-detetot", "photos": n, "labels": "yolo", "boxes": n_boxes,
                 "what": "phone and webcam photos of one or two bananas on tables and in hands, indoors; Roboflow "
                         "export (3 rotated / sheared copies of each photo, 640x640)"})


def web_ripeness(repos, out, sets):
    files = archive(repos, "web_ripeness", "dataset-fruit/test")
    counts = {"negatives": 0, "bananas": 0}
    for name, data in files.items():
        folder = name.split("/")[2]
        if folder not in WEB_RIPENESS or not name.lower().endswith(IMAGE_EXT):
            continue
        kind, ripeness = WEB_RIPENESS[folder]
        sub = "negatives" if kind == "negatives" else os.path.join("bananas", ripeness)
        write(os.path.join(out, "eval", "web-ripeness", sub, flat(folder) + "__" + os.path.basename(name)), data)
        counts[kind] += 1
    sets.append({"name": "web-apples-oranges", "role": "eval", "kind": "negatives", "source": "web_ripeness",
                 "path": "eval/web-ripeness/negatives", "photos": counts["negatives"],
                 "what": "web photos of fresh, unripe and rotten apples and oranges (stock photos, trees, "
                         "markets, plates), no banana"})
    sets.append({"name": "web-bananas", "role": "eval", "kind": "bananas", "source": "web_ripeness",
                 "path": "eval/web-ripeness/bananas", "photos": counts["bananas"], "labels": "coarse_ripeness_folders",
                 "what": "web photos of unripe, fresh and rotten bananas (single bananas, hands, bunches on "
                         "plants, stalls); folder = coarse ripeness"})


def fruit_scenes(repos, out, sets):
    files = archive(repos, "fruit_scenes", "dataset/input")
    images = {os.path.splitext(os.path.basename(n))[0]: n for n in files
              if n.startswith("dataset/input/images/") and n.lower().endswith(IMAGE_EXT)}
    n_neg, n_ban, n_boxes = 0, 0, 0
    for stem, img in sorted(images.items()):
        label = files.get(f"dataset/input/labels/{stem}.txt")
        if label is None:
            continue
        rows = [r.split() for r in label.decode().splitlines() if r.strip()]
        bananas = [r for r in rows if r[0] == FRUIT_SCENES_BANANA_CLASS]
        ext = os.path.splitext(img)[1].lower()
        if not bananas:
            write(os.path.join(out, "eval", "fruit-scenes", "negatives", stem + ext), files[img])
            n_neg += 1
            continue
        write(os.path.join(out, "eval", "fruit-scenes", "bananas", "images", stem + ext), files[img])
        yolo = "".join("0 " + " ".join(r[1:5]) + "\n" for r in bananas)
        write(os.path.join(out, "eval", "fruit-scenes", "bananas", "labels", stem + ".txt"), yolo.encode())
        n_ban, n_boxes = n_ban + 1, n_boxes + len(bananas)
    sets.append({"name": "fruit-scenes", "role": "eval", "kind": "negatives", "source": "fruit_scenes",
                 "path": "eval/fruit-scenes/negatives", "photos": n_neg,
                 "what": "web photos of apples, avocados, kiwis, lemons, oranges, pears, pomegranates, "
                         "strawberries, watermelons (scenes, trees, markets, bowls), no banana labelled"})
    sets.append({"name": "fruit-scenes-bananas", "role": "eval", "kind": "bananas", "source": "fruit_scenes",
                 "path": "eval/fruit-scenes/bananas", "photos": n_ban, "labels": "yolo", "boxes": n_boxes,
                 "what": "web photos with bananas, one box per banana (single bananas, hands, bunches, stalls, "
                         "mixed fruit)"})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repos", required=True, help="folder holding the clones")
    ap.add_argument("--out", required=True, help="output folder (outside the repository), replaced")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    if os.path.exists(out):
        shutil.rmtree(out)
    sets = []
    grocery(args.repos, out, sets)
    banana_detetot(args.repos, out, sets)
    web_ripeness(args.repos, out, sets)
    fruit_scenes(args.repos, out, sets)
    manifest = {"sources": SOURCES, "sets": sets}
    write(os.path.join(out, "manifest.json"), (json.dumps(manifest, indent=1) + "\n").encode())
    for s in sets:
        print(f"{s['role']:8s} {s['kind']:9s} {s['photos']:5d}  {s['name']}")


if __name__ == "__main__":
    main()
