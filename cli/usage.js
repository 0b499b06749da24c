// The help text of `gradlens --help`, and the error for a command line that
// cannot run (exit code 2).

export class UsageError extends Error {
  name = 'UsageError';
}

export const USAGE = `Usage: gradlens <command> [options]

What an ONNX image classifier looks at, and how easily it is fooled.

Commands:
  inspect     what is in a model, and whether gradlens can run it
  predict     the top classes of each image
  saliency    saliency maps of each image: heatmap and overlay PNGs
  fool        a fooling image for each image, as a cs231n figure PNG
  visualize   class model visualization: the image the model finds most --target

Options:
  --model NAME|FILE  a shipped model (mnist, fashion-mnist) or an .onnx file (all commands)
  --card FILE        the model card (labels, preprocessing); default: the .json beside the model
  --image FILE|DIR   a PNG or JPEG file, or a folder of them (predict, saliency, fool)
  --target CLASS     a class id or label: saliency (default: the top class), fool
                     (needed by the cs231n method; fgsm and pgd push away from the top
                     class without it), visualize (needed)
  --method NAME      saliency: vanilla (default), smoothgrad, integrated-gradients,
                     gradient-x-input, grad-cam, guided-backprop;
                     fool: cs231n (default), fgsm, pgd
  --top K            predict: how many classes (default 5)
  --iterations N     fool: the cs231n method's cap (default 100); visualize (default 100)
  --epsilon E        fool: the fgsm and pgd perturbation budget in pixel units (default 8/255)
  --seed N           visualize: seeds the start noise and jitter (default 0)
  --out DIR          where PNGs are written (default: the current folder)
  --json             results as JSON on stdout
  -h, --help         this help
  --version          the gradlens version

Exit codes: 0 done, 1 a model or an image failed, 2 the command line is wrong.

Examples:
  gradlens predict --model mnist --image digits/
  gradlens saliency --model mnist --image seven.png --method smoothgrad --out maps/
  gradlens fool --model mnist --image seven.png --target 3 --out figures/
  gradlens visualize --model fashion-mnist --target Sandal --out figures/
  gradlens inspect --model resnet50.onnx --json
`;
