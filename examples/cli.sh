# The top classes of an image, then of every PNG and JPEG in a folder, as JSON
npx gradlens predict --model mnist --image digit.png
npx gradlens predict --model mnist --image digits/ --json > predictions.json
# Saliency maps (heatmap and overlay PNGs) of each digit, with SmoothGrad
npx gradlens saliency --model mnist --image digits/ --method smoothgrad --out maps/
# Push the digit towards "3" with the cs231n rule, and save the cs231n figure
npx gradlens fool --model mnist --image digit.png --target 3 --out figures/
# What the model finds most "8"
npx gradlens visualize --model mnist --target 8 --out figures/
# What is in an ONNX file, and whether gradlens can run it
npx gradlens inspect --model mnist
