// Type declarations for gradlens/image-files (js/image-files.js), Node only.
import type { RGBAImage } from './types.js';

/** The file extensions readImage accepts: .png, .jpg, .jpeg. */
export const IMAGE_EXTENSIONS: readonly string[];

/** Decodes the bytes of a PNG or JPEG file (JPEG through libjpeg-turbo, as Pillow does). */
export function decodeImage(bytes: Uint8Array): Promise<RGBAImage>;

/** Reads a PNG or JPEG file; errors name the file. */
export function readImage(path: string | URL): Promise<RGBAImage>;

/** The PNG file of an RGBA image, as bytes. */
export function encodePng(image: RGBAImage): Uint8Array;

/** Writes an RGBA image as a PNG file. */
export function writePng(path: string | URL, image: RGBAImage): Promise<void>;
