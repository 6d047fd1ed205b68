// SPDX-License-Identifier: Apache-2.0
// LoadOnnxYolo on tiny YOLO-shaped ONNX models that
// tests/tools/make_yolo_onnx.py writes at test time. Their output is a chosen
// prediction tensor (optionally shifted by the input's channel means), so the
// test knows every box, score and class the decoder must find, and where the
// letterbox puts them in the source image.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vigil/detect/objects.h"

namespace vigil::detect {
namespace {

using ::testing::HasSubstr;

// A model input of 64 x 64 has 8x8 + 4x4 + 2x2 = 84 cells at strides 8, 16
// and 32: YOLOv8 predicts one box per cell, YOLOv5 three.
constexpr int kSize = 64;
constexpr int kV8Boxes = 84;
constexpr int kV5Boxes = 3 * 84;

// One predicted box in input pixels. For the YOLOv5 layout the class scores
// are multiplied by `objectness`; the YOLOv8 layout has none.
struct Candidate {
  int slot = 0;  // row of the prediction tensor
  float cx = 0, cy = 0, w = 0, h = 0;
  float objectness = 1;
  std::vector<float> scores;  // per class; missing ones are 0
};

// make_yolo_onnx.py arguments for `candidates` in the [1, N, 5 + C] layout.
std::string V5Args(int boxes, int classes, const std::vector<Candidate>& candidates) {
  const int stride = 5 + classes;
  std::string set;
  for (const auto& c : candidates) {
    const std::vector<float> head = {c.cx, c.cy, c.w, c.h, c.objectness};
    for (std::size_t k = 0; k < head.size(); ++k) {
      set += "," + std::to_string(c.slot * stride + static_cast<int>(k)) + "=" +
             std::to_string(head[k]);
    }
    for (std::size_t k = 0; k < c.scores.size(); ++k) {
      set += "," + std::to_string(c.slot * stride + 5 + static_cast<int>(k)) + "=" +
             std::to_string(c.scores[k]);
    }
  }
  return "--size " + std::to_string(kSize) + " --shape 1," + std::to_string(boxes) + "," +
         std::to_string(stride) + " --set " + set.substr(1);
}

// The same in the [1, 4 + C, N] layout (attribute k of box n at k * N + n).
std::string V8Args(int boxes, int classes, const std::vector<Candidate>& candidates,
                   int size = kSize) {
  std::string set;
  for (const auto& c : candidates) {
    const std::vector<float> head = {c.cx, c.cy, c.w, c.h};
    for (std::size_t k = 0; k < head.size(); ++k) {
      set += "," + std::to_string(static_cast<int>(k) * boxes + c.slot) + "=" +
             std::to_string(head[k]);
    }
    for (std::size_t k = 0; k < c.scores.size(); ++k) {
      set += "," + std::to_string((4 + static_cast<int>(k)) * boxes + c.slot) + "=" +
             std::to_string(c.scores[k]);
    }
  }
  return "--size " + std::to_string(size) + " --shape 1," + std::to_string(4 + classes) + "," +
         std::to_string(boxes) + " --set " + set.substr(1);
}

// A uniform image.
struct Image {
  int width, height;
  std::vector<std::uint8_t> rgb;
  Image(int w, int h, std::uint8_t r = 90, std::uint8_t g = 90, std::uint8_t b = 90)
      : width(w), height(h) {
    rgb.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    for (std::size_t i = 0; i < rgb.size(); i += 3) {
      rgb[i] = r;
      rgb[i + 1] = g;
      rgb[i + 2] = b;
    }
  }
  RgbView view() const { return {width, height, 3 * width, rgb}; }
};

class YoloTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-yolo-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (std::getenv("VIGIL_KEEP") == nullptr) std::filesystem::remove_all(dir_);
  }

  // Writes dir_/name with make_yolo_onnx.py `args`; fails the test if the
  // script does.
  std::filesystem::path Make(const std::string& name, const std::string& args) {
    std::filesystem::path out = dir_ / name;
    const char* python = std::getenv("VIGIL_PYTHON");
    std::string command = python != nullptr ? python : "/usr/bin/python3";
    command += " '" VIGIL_SOURCE_DIR "/tests/tools/make_yolo_onnx.py' '";
    command += out.string();
    command += "' ";
    command += args;
    command += " 2>&1";
    std::string log;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "cannot run " << command;
      return out;
    }
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) log += buffer;
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << command << "\n"
                         << log
                         << "(needs /usr/bin/python3 with Debian's python3-onnx and python3-numpy)";
    return out;
  }

  std::vector<Detection> DetectWith(const std::filesystem::path& model, const Image& image,
                                    const DetectorOptions& options = {}) {
    auto detector = LoadOnnxYolo(model, options);
    EXPECT_TRUE(detector.has_value()) << detector.error().ToString();
    if (!detector) return {};
    EXPECT_EQ((*detector)->input_size(), kSize);
    auto found = (*detector)->Detect(image.view());
    EXPECT_TRUE(found.has_value()) << found.error().ToString();
    return found ? *found : std::vector<Detection>{};
  }

  std::filesystem::path dir_;
};

void ExpectDetection(const Detection& d, const std::string& label, int class_id, double score,
                     PixelBox box) {
  EXPECT_EQ(d.label, label);
  EXPECT_EQ(d.class_id, class_id) << label;
  EXPECT_NEAR(d.score, score, 1e-4) << label;
  EXPECT_NEAR(d.box.x, box.x, 1e-3) << label;
  EXPECT_NEAR(d.box.y, box.y, 1e-3) << label;
  EXPECT_NEAR(d.box.width, box.width, 1e-3) << label;
  EXPECT_NEAR(d.box.height, box.height, 1e-3) << label;
}

// The same scene in both layouts. Input pixels -> source pixels:
// a 128 x 80 image is scaled by 0.5 to 64 x 40 and centred with 12 rows of
// padding above, so source = (x, y - 12) / 0.5.
const std::vector<Candidate> kScene = {
    // Class 1 at 0.9 * 0.8 = 0.72: input x 12..28, y 26..34 -> source (24, 28, 32, 16).
    {.slot = 10,
     .cx = 20,
     .cy = 30,
     .w = 16,
     .h = 8,
     .objectness = 0.9F,
     .scores = {0.1F, 0.8F, 0.2F}},
    // Almost the same box and class, lower score (0.54): IoU 0.88, removed by NMS.
    {.slot = 100, .cx = 21, .cy = 30, .w = 16, .h = 8, .objectness = 0.9F, .scores = {0, 0.6F, 0}},
    // The same box as another class (0.8 * 0.5 = 0.4): class-wise NMS keeps it.
    {.slot = 11, .cx = 20, .cy = 30, .w = 16, .h = 8, .objectness = 0.8F, .scores = {0, 0, 0.5F}},
    // Below the 0.35 threshold: 0.9 * 0.3 = 0.27, and 0.2 * 1.
    {.slot = 200, .cx = 40, .cy = 30, .w = 10, .h = 10, .objectness = 0.9F, .scores = {0.3F, 0, 0}},
    {.slot = 201, .cx = 40, .cy = 20, .w = 10, .h = 10, .objectness = 0.2F, .scores = {1, 0, 0}},
    // Wholly inside the top padding (input y 4..8): nothing of it is in the image.
    {.slot = 5, .cx = 32, .cy = 6, .w = 10, .h = 4, .objectness = 0.9F, .scores = {0.9F, 0, 0}},
    // Class 0 at 0.95, past the right and bottom edges: input x 52..68, y 44..56
    // -> source x 104..136, y 64..88, clipped to the 128 x 80 image.
    {.slot = 251, .cx = 60, .cy = 50, .w = 16, .h = 12, .objectness = 0.95F, .scores = {1, 0, 0}},
};

void ExpectScene(const std::vector<Detection>& found) {
  ASSERT_EQ(found.size(), 3U);
  ExpectDetection(found[0], "class0", 0, 0.95, {104, 64, 24, 16});
  ExpectDetection(found[1], "class1", 1, 0.72, {24, 28, 32, 16});
  ExpectDetection(found[2], "class2", 2, 0.40, {24, 28, 32, 16});
}

TEST_F(YoloTest, Yolov5LayoutDecodesScoresBoxesAndLabels) {
  // Beside the predictions, a rank-5 output as old YOLOv5 exports have
  // (raw [1, 3, H, W, 5 + C] per level): ignored.
  const auto model = Make("v5.onnx", V5Args(kV5Boxes, 3, kScene) + " --extra-output 1,1,2,1,1");
  ExpectScene(DetectWith(model, Image(128, 80)));
}

TEST_F(YoloTest, Yolov8LayoutDecodesTheSameScene) {
  std::vector<Candidate> scene = kScene;
  for (auto& c : scene) {
    c.slot %= kV8Boxes;                          // 10, 16, 11, 32, 33, 5, 83: still distinct
    for (auto& s : c.scores) s *= c.objectness;  // no objectness in this layout
  }
  ExpectScene(DetectWith(Make("v8.onnx", V8Args(kV8Boxes, 3, scene)), Image(128, 80)));
}

TEST_F(YoloTest, PortraitImagesArePaddedLeftAndRight) {
  // 80 x 128 -> 40 x 64 with 12 columns of padding on the left:
  // source = (x - 12, y) / 0.5.
  const std::vector<Candidate> scene = {
      {.slot = 0,
       .cx = 30,
       .cy = 30,
       .w = 16,
       .h = 8,
       .scores = {0.1F, 0.72F}},  // x 22..38 -> (20, 52, 32, 16)
      {.slot = 83,
       .cx = 46,
       .cy = 60,
       .w = 16,
       .h = 12,
       .scores = {0.95F, 0}},  // x 52..84, y 108..132: clipped
  };
  const auto found = DetectWith(Make("v8.onnx", V8Args(kV8Boxes, 2, scene)), Image(80, 128));
  ASSERT_EQ(found.size(), 2U);
  ExpectDetection(found[0], "class0", 0, 0.95, {52, 108, 28, 20});
  ExpectDetection(found[1], "class1", 1, 0.72, {20, 52, 32, 16});
}

TEST_F(YoloTest, OptionsSetTheThresholdAndTheCount) {
  const auto model = Make("v5.onnx", V5Args(kV5Boxes, 3, kScene));
  DetectorOptions strict;
  strict.score_threshold = 0.5F;
  const auto above = DetectWith(model, Image(128, 80), strict);
  ASSERT_EQ(above.size(), 2U);
  EXPECT_EQ(above[1].label, "class1");

  DetectorOptions one;
  one.max_detections = 1;
  const auto best = DetectWith(model, Image(128, 80), one);
  ASSERT_EQ(best.size(), 1U);
  EXPECT_EQ(best[0].label, "class0");

  DetectorOptions loose;
  loose.iou_threshold = 0.95F;  // the near-duplicate (IoU 0.88) now survives
  const auto all = DetectWith(model, Image(128, 80), loose);
  ASSERT_EQ(all.size(), 4U);
  EXPECT_NEAR(all[2].score, 0.54, 1e-4);
}

TEST_F(YoloTest, EightyClassesAreCocoNames) {
  std::vector<float> person(80, 0), car(80, 0), toothbrush(80, 0);
  person[0] = 0.9F;
  car[2] = 0.8F;
  toothbrush[79] = 0.7F;
  const std::vector<Candidate> scene = {
      {.slot = 3, .cx = 10, .cy = 10, .w = 8, .h = 8, .scores = person},
      {.slot = 7, .cx = 40, .cy = 10, .w = 8, .h = 8, .scores = car},
      {.slot = 9, .cx = 40, .cy = 40, .w = 8, .h = 8, .scores = toothbrush},
  };
  // At 64 the output would be [1, 84, 84], which could be either layout; at
  // 128 it is [1, 84, 336] (16x16 + 8x8 + 4x4 cells). A square image: no
  // padding, scale 1.
  const auto model = Make("coco.onnx", V8Args(336, 80, scene, 128));
  auto detector = LoadOnnxYolo(model, {});
  ASSERT_TRUE(detector.has_value()) << detector.error().ToString();
  auto detected = (*detector)->Detect(Image(128, 128).view());
  ASSERT_TRUE(detected.has_value()) << detected.error().ToString();
  const auto& found = *detected;
  ASSERT_EQ(found.size(), 3U);
  ExpectDetection(found[0], "person", 0, 0.9, {6, 6, 8, 8});
  ExpectDetection(found[1], "car", 2, 0.8, {36, 6, 8, 8});
  ExpectDetection(found[2], "toothbrush", 79, 0.7, {36, 36, 8, 8});
}

TEST_F(YoloTest, TheInputIsLetterboxedOnGreyInRgbOverTwoFiftyFive) {
  // Two class scores are the input's mean red and 0.2 + its mean blue. An
  // image of (200, 50, 0) fills 40 of the 64 input rows; 24 rows are
  // padding (114, 114, 114). So, over 255:
  //   mean red  = (40 * 200 + 24 * 114) / 64 / 255 = 0.657843
  //   mean blue = (40 * 0   + 24 * 114) / 64 / 255 = 0.167647
  // Black padding, BGR order or no /255 each change both.
  const std::vector<Candidate> scene = {
      {.slot = 0, .cx = 32, .cy = 32, .w = 20, .h = 20, .scores = {0, 0}},
      {.slot = 1, .cx = 10, .cy = 30, .w = 4, .h = 4, .scores = {0, 0}},
  };
  const std::string args =
      V8Args(kV8Boxes, 2, scene) + " --set " + std::to_string(5 * kV8Boxes + 1) + "=0.2" +
      " --mix " + std::to_string(4 * kV8Boxes + 0) + ":1,0,0" +  // box 0, class 0
      " --mix " + std::to_string(5 * kV8Boxes + 1) + ":0,0,1";   // box 1, class 1
  const auto found = DetectWith(Make("mix.onnx", args), Image(128, 80, 200, 50, 0));
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0].class_id, 0);
  EXPECT_NEAR(found[0].score, 10736.0 / 16320.0, 1e-4);
  EXPECT_EQ(found[1].class_id, 1);
  EXPECT_NEAR(found[1].score, 0.2 + 2736.0 / 16320.0, 1e-4);
}

TEST_F(YoloTest, AnOpenInputSizeBecomes640) {
  // [batch, 3, height, width] in the graph: the detector runs it at 640. A
  // 1280 x 720 image is scaled by 0.5 to 640 x 360, 140 rows of padding above.
  const std::vector<Candidate> scene = {
      {.slot = 4000, .cx = 320, .cy = 320, .w = 64, .h = 64, .scores = {0.9F}}};
  const auto model = Make("dynamic.onnx", V8Args(8400, 1, scene, 640) + " --dynamic");
  auto detector = LoadOnnxYolo(model, {});
  ASSERT_TRUE(detector.has_value()) << detector.error().ToString();
  EXPECT_EQ((*detector)->input_size(), 640);
  auto found = (*detector)->Detect(Image(1280, 720).view());
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1U);
  ExpectDetection((*found)[0], "class0", 0, 0.9, {576, 296, 128, 128});
}

TEST_F(YoloTest, FilesThatAreNotYoloModelsGiveClearErrors) {
  auto missing = LoadOnnxYolo(dir_ / "absent.onnx", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("absent.onnx"));

  const auto garbage_path = dir_ / "garbage.onnx";
  std::ofstream(garbage_path, std::ios::binary) << "\x89PNG\r\n\x1a\n not a model at all";
  auto garbage = LoadOnnxYolo(garbage_path, {});
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(garbage.error().message, HasSubstr("garbage.onnx: not an ONNX model"));

  struct Case {
    std::string name, args, message;
  };
  const std::vector<Case> cases = {
      // A classifier-like output: no rank-3 tensor.
      {"rank4.onnx", "--size 64 --shape 1,2,3,4 --set 0=1", "one rank-3 output"},
      // Boxes but no class scores.
      {"noclass.onnx", "--size 64 --shape 1,4,84 --set 0=1", "no class scores"},
      // Already-decoded boxes, as YOLOv10 writes them: 300 rows at 640,
      // fewer than the 20 x 20 cells of the coarsest grid.
      {"e2e.onnx", "--size 640 --shape 1,300,6 --set 0=1", "NMS inside"},
      // A batch of two.
      {"batch.onnx", "--size 64 --shape 2,84,7 --set 0=1", "batch of one"},
      // A segmentation model: [1, 4 + C + 32, N] and mask prototypes.
      {"seg.onnx", "--size 64 --shape 1,39,84 --set 0=1 --extra-output 1,2,1,1", "segmentation"},
  };
  for (const auto& c : cases) {
    auto detector = LoadOnnxYolo(Make(c.name, c.args), {});
    ASSERT_FALSE(detector.has_value()) << c.name;
    EXPECT_EQ(detector.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_THAT(detector.error().message, HasSubstr(c.name + ": ")) << c.name;
    EXPECT_THAT(detector.error().message, HasSubstr(c.message)) << c.name;
  }
}

TEST_F(YoloTest, AnImageSmallerThanItsViewIsRefused) {
  auto detector = LoadOnnxYolo(
      Make("v8.onnx",
           V8Args(kV8Boxes, 1, {{.slot = 0, .cx = 8, .cy = 8, .w = 4, .h = 4, .scores = {0.9F}}})),
      {});
  ASSERT_TRUE(detector.has_value()) << detector.error().ToString();
  Image image(32, 32);
  RgbView view = image.view();
  view.height = 33;
  auto found = (*detector)->Detect(view);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE((*detector)->Detect(RgbView{}).has_value());
}

}  // namespace
}  // namespace vigil::detect
