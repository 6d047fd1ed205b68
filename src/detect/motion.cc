// SPDX-License-Identifier: Apache-2.0
// The background model of docs/design/006-agent.md §Motion. In short, per
// frame: (1) estimate the global brightness shift as the median difference to
// the background and move the whole background by it (lighting, exposure);
// (2) a pixel is a candidate when it differs from its background by more than
// max(contrast floor, k x its own mean deviation) (noise, flicker); (3) a
// candidate that matches the background of any pixel within +-2 px is dropped
// (texture that sways in place); (4) when most of the frame changes at once,
// the background is re-learnt instead (lights, auto-exposure); (5) candidates
// are voted into 4x4-pixel cells, cells that keep flipping between active and
// quiet are ignored (foliage, ripples, rain), the rest are joined into
// 8-connected blobs, and a blob counts when it is big enough and near a blob
// of the previous frame (temporal consistency).
#include "vigil/detect/motion.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

namespace vigil::detect {
namespace {

// Indexed by sensitivity - 1. The floor is in luma levels, k multiplies a
// pixel's mean absolute deviation (about 0.8 sigma for Gaussian noise), the
// area is the smallest moving blob as a share of the frame.
constexpr std::array<float, 10> kContrastFloor = {40, 33, 27, 22, 18, 15, 12, 10, 8, 6};
constexpr std::array<float, 10> kDeviationFactor = {6.0f, 5.5f, 5.0f, 4.5f, 4.0f,
                                                    3.7f, 3.4f, 3.1f, 2.8f, 2.5f};
constexpr std::array<double, 10> kMinArea = {0.02,   0.012, 0.007,  0.004,  0.0025,
                                             0.0015, 0.001, 0.0006, 0.0004, 0.00025};

// Time constants, in seconds, so the model behaves the same at any analysis rate.
constexpr double kLearnSeconds = 2.0;              // the first frames only learn
constexpr double kRelearnSeconds = 1.0;            // after a global change
constexpr double kBackgroundTau = 3.0;             // background follows what does not move
constexpr double kForegroundTau = 120.0;           // something that stops becomes background
constexpr double kDeviationTau = 8.0;              // how fast a pixel's restlessness is learnt
constexpr double kForegroundDeviationTau = 300.0;  // ... from frames where it moved
constexpr double kFlickerTau = 30.0;               // how fast a cell's flicker rate is learnt
constexpr float kDeviationCap = 40.0f;             // one passer-by must not blind a pixel
constexpr float kRestless = 0.3f;                  // a cell flipping this often is background
constexpr double kGlobalChange = 0.45;             // share of the frame that changes at once
constexpr int kSway = 2;                           // +-px a texture may move and stay background
constexpr int kMaxZones = 32;                      // zone membership is a 32-bit set per pixel

double Rate(double dt_s, double tau_s) { return 1.0 - std::exp(-dt_s / tau_s); }

bool InUnit(double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; }

Status CheckPolygon(const Zone& zone, const char* what) {
  if (zone.polygon.size() < 3) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " '" + zone.name + "' needs at least 3 points");
  }
  for (const Point& p : zone.polygon) {
    if (!InUnit(p.x) || !InUnit(p.y)) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(what) + " '" + zone.name + "' has a point outside 0..1");
    }
  }
  return OkStatus();
}

// Calls fill(y, x0, x1) for the pixel runs [x0, x1) whose centres are inside
// `polygon` (even-odd rule).
template <class Fill>
void Rasterise(const std::vector<Point>& polygon, int width, int height, Fill fill) {
  std::vector<double> xs;
  const std::size_t n = polygon.size();
  for (int y = 0; y < height; ++y) {
    const double yc = (y + 0.5) / height;
    xs.clear();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
      const Point& a = polygon[i];
      const Point& b = polygon[j];
      if ((a.y > yc) != (b.y > yc)) xs.push_back(a.x + (yc - a.y) * (b.x - a.x) / (b.y - a.y));
    }
    std::sort(xs.begin(), xs.end());
    for (std::size_t k = 0; k + 1 < xs.size(); k += 2) {
      // Pixel x is inside when its centre (x + 0.5) / width is in [xs[k], xs[k+1]).
      const int x0 = std::clamp(static_cast<int>(std::ceil(xs[k] * width - 0.5)), 0, width);
      const int x1 = std::clamp(static_cast<int>(std::ceil(xs[k + 1] * width - 0.5)), 0, width);
      if (x0 < x1) fill(y, x0, x1);
    }
  }
}

// Per-pixel states.
constexpr std::uint8_t kQuiet = 0;
constexpr std::uint8_t kSwayed = 1;  // changed, but matches background nearby
constexpr std::uint8_t kMoving = 2;

// The two per-pixel loops, branch-free with unaliased rows so they vectorise.
// Moves the background by the global shift `g` and marks candidates.
void ClassifyRow(const std::uint8_t* __restrict row, float* __restrict mean,
                 const float* __restrict dev, std::uint8_t* __restrict fg, std::size_t n, float g,
                 float floor, float factor) {
  for (std::size_t x = 0; x < n; ++x) {
    const float mx = std::min(std::max(mean[x] + g, 0.0f), 255.0f);
    const float t = std::max(floor, factor * dev[x]);
    mean[x] = mx;
    fg[x] = std::fabs(static_cast<float>(row[x]) - mx) > t ? kMoving : kQuiet;
  }
}

// Follows the frame: fast where it is background, slowly where it changed.
// Swayed pixels learn their spread at the normal rate (that is how foliage
// becomes background) but their mean only slowly: otherwise the sway test
// would let a standing person be eaten from the edges inwards, 2 px a step.
void UpdateRow(const std::uint8_t* __restrict row, float* __restrict mean, float* __restrict dev,
               const std::uint8_t* __restrict fg, std::size_t n, float bg_rate, float fg_rate,
               float dev_rate, float fg_dev_rate) {
  for (std::size_t x = 0; x < n; ++x) {
    const float d = static_cast<float>(row[x]) - mean[x];
    mean[x] += (fg[x] != kQuiet ? fg_rate : bg_rate) * d;
    dev[x] += (fg[x] == kMoving ? fg_dev_rate : dev_rate) *
              (std::min(std::fabs(d), kDeviationCap) - dev[x]);
  }
}

struct PixelBox {
  int x0, y0, x1, y1;  // inclusive
};

bool Near(const PixelBox& a, const PixelBox& b, int margin) {
  return a.x0 - margin <= b.x1 && b.x0 <= a.x1 + margin && a.y0 - margin <= b.y1 &&
         b.y0 <= a.y1 + margin;
}

}  // namespace

struct MotionDetector::Model {
  int width = 0, height = 0;
  int cell = 4, grid_w = 0, grid_h = 0;
  std::int64_t last_us = 0;
  std::int64_t quiet_until_us = 0;  // learning: no motion is reported before this
  double learn_frames = 0;          // frames since (re)learning started
  std::vector<float> mean, deviation;
  std::vector<std::uint8_t> watched;
  std::vector<std::uint32_t> zone_bits;  // empty when there are no zones
  double watched_pixels = 0;
  std::vector<std::uint8_t> fg;
  // Per cell.
  std::vector<std::uint16_t> count;
  std::vector<std::uint32_t> cell_zones;
  std::vector<PixelBox> cell_box;
  std::vector<float> flicker;  // how often the cell flips active/quiet
  std::vector<std::uint8_t> was_active;
  std::vector<int> label;
  std::vector<int> stack;
  std::vector<PixelBox> previous;  // blobs big enough in the last frame
};

MotionDetector::MotionDetector(MotionOptions options) : options_(std::move(options)) {}
MotionDetector::MotionDetector(MotionDetector&&) noexcept = default;
MotionDetector& MotionDetector::operator=(MotionDetector&&) noexcept = default;
MotionDetector::~MotionDetector() = default;

Result<MotionDetector> MotionDetector::Create(const MotionOptions& options) {
  if (options.sensitivity < 1 || options.sensitivity > 10) {
    return Fail(ErrorCode::kInvalidArgument, "motion sensitivity must be 1..10");
  }
  if (!std::isfinite(options.min_area) || options.min_area < 0 || options.min_area > 1) {
    return Fail(ErrorCode::kInvalidArgument, "motion min_area must be 0..1");
  }
  if (options.zones.size() > kMaxZones) {
    return Fail(ErrorCode::kInvalidArgument, "at most 32 motion zones");
  }
  std::set<std::string> names;
  for (const Zone& zone : options.zones) {
    if (zone.name.empty()) return Fail(ErrorCode::kInvalidArgument, "a motion zone has no name");
    if (!names.insert(zone.name).second) {
      return Fail(ErrorCode::kInvalidArgument, "two motion zones are named '" + zone.name + "'");
    }
    if (Status s = CheckPolygon(zone, "zone"); !s) return Fail(s.error());
  }
  for (const Zone& mask : options.masks) {
    if (Status s = CheckPolygon(mask, "mask"); !s) return Fail(s.error());
  }
  return MotionDetector(options);
}

MotionResult MotionDetector::Process(const LumaView& frame, std::int64_t pts_us) {
  const int w = frame.width, h = frame.height, stride = frame.stride;
  if (w <= 0 || h <= 0 || stride < w ||
      frame.pixels.size() < static_cast<std::size_t>(stride) * (h - 1) + w) {
    return {};
  }
  const std::uint8_t* px = frame.pixels.data();
  const std::size_t n = static_cast<std::size_t>(w) * h;

  if (!model_ || model_->width != w || model_->height != h) {
    // New camera geometry: rasterise zones and masks once, learn from scratch.
    model_ = std::make_unique<Model>();
    Model& m = *model_;
    m.width = w;
    m.height = h;
    m.cell = std::max(1, static_cast<int>(std::lround(std::min(w, h) / 60.0)));
    m.grid_w = (w + m.cell - 1) / m.cell;
    m.grid_h = (h + m.cell - 1) / m.cell;
    m.mean.resize(n);
    m.deviation.assign(n, 0.0f);
    m.fg.assign(n, 0);
    m.watched.assign(n, options_.zones.empty() ? 1 : 0);
    if (!options_.zones.empty()) m.zone_bits.assign(n, 0);
    for (std::size_t z = 0; z < options_.zones.size(); ++z) {
      Rasterise(options_.zones[z].polygon, w, h, [&](int y, int x0, int x1) {
        for (int x = x0; x < x1; ++x) {
          m.watched[static_cast<std::size_t>(y) * w + x] = 1;
          m.zone_bits[static_cast<std::size_t>(y) * w + x] |= 1u << z;
        }
      });
    }
    for (const Zone& mask : options_.masks) {
      Rasterise(mask.polygon, w, h, [&](int y, int x0, int x1) {
        std::fill_n(m.watched.begin() + static_cast<std::ptrdiff_t>(y) * w + x0, x1 - x0, 0);
      });
    }
    m.watched_pixels = static_cast<double>(std::count(m.watched.begin(), m.watched.end(), 1));
    const std::size_t cells = static_cast<std::size_t>(m.grid_w) * m.grid_h;
    m.count.assign(cells, 0);
    m.cell_zones.assign(cells, 0);
    m.cell_box.assign(cells, PixelBox{});
    m.flicker.assign(cells, 0.0f);
    m.was_active.assign(cells, 0);
    m.label.assign(cells, 0);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        m.mean[static_cast<std::size_t>(y) * w + x] = px[static_cast<std::size_t>(y) * stride + x];
      }
    }
    m.last_us = pts_us;
    m.quiet_until_us = pts_us + static_cast<std::int64_t>(kLearnSeconds * 1e6);
    m.learn_frames = 1;
    return {};
  }

  Model& m = *model_;
  const int s = options_.sensitivity - 1;
  const float floor = kContrastFloor[s];
  const float factor = kDeviationFactor[s];
  // Frame spacing, clamped so a stall or a pts jump cannot wipe the model.
  const double dt = std::clamp(static_cast<double>(pts_us - m.last_us) * 1e-6, 0.02, 2.0);
  m.last_us = pts_us;
  const bool learning = pts_us < m.quiet_until_us;
  m.learn_frames += 1;
  // While learning, a running average (1/n) so the first frames count fully.
  const float learn_rate = learning ? static_cast<float>(1.0 / m.learn_frames) : 0.0f;
  const float bg_rate = std::max(learn_rate, static_cast<float>(Rate(dt, kBackgroundTau)));
  const float fg_rate = learning ? bg_rate : static_cast<float>(Rate(dt, kForegroundTau));
  const float dev_rate = std::max(learn_rate, static_cast<float>(Rate(dt, kDeviationTau)));
  const float fg_dev_rate =
      learning ? dev_rate : static_cast<float>(Rate(dt, kForegroundDeviationTau));
  // Not sped up while learning: a walker crossing in the first seconds must
  // not leave their cells marked as flickering.
  const float flicker_rate = static_cast<float>(Rate(dt, kFlickerTau));

  // (1) Global brightness shift: the median of frame - background on a
  // 4x4-subsampled grid (4800 samples at 320x240, plenty for a median). Moving objects rarely cover
  // half the frame, so the median is the lighting, not them.
  std::array<std::uint32_t, 511> hist{};
  std::uint32_t samples = 0;
  for (int y = 1; y < h; y += 4) {
    const std::uint8_t* row = px + static_cast<std::size_t>(y) * stride;
    const float* mean = m.mean.data() + static_cast<std::size_t>(y) * w;
    for (int x = 1; x < w; x += 4) {
      // mean >= 0, so +0.5 and truncation round; lround is a libm call here.
      const int d =
          row[x] - static_cast<int>(mean[x] + 0.5f);  // NOLINT(bugprone-incorrect-roundings)
      const int bin = std::clamp(d, -255, 255) + 255;
      ++hist[static_cast<std::size_t>(bin)];
      ++samples;
    }
  }
  int shift = -255;
  for (std::uint32_t seen = 0; shift < 255; ++shift) {
    const int bin = shift + 255;
    seen += hist[static_cast<std::size_t>(bin)];
    if (2 * seen >= samples) break;
  }
  const float g = static_cast<float>(shift);

  // (2) Candidates; the background moves with the lighting first.
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* row = px + static_cast<std::size_t>(y) * stride;
    float* mean = m.mean.data() + static_cast<std::size_t>(y) * w;
    const float* dev = m.deviation.data() + static_cast<std::size_t>(y) * w;
    std::uint8_t* fg = m.fg.data() + static_cast<std::size_t>(y) * w;
    ClassifyRow(row, mean, dev, fg, static_cast<std::size_t>(w), g, floor, factor);
  }

  // (3) Sway tolerance: a candidate that matches a nearby background pixel is
  // texture that moved a little (leaves, a flag, camera shake), not an object.
  std::size_t changed = 0;
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* row = px + static_cast<std::size_t>(y) * stride;
    std::uint8_t* fg = m.fg.data() + static_cast<std::size_t>(y) * w;
    for (int x = 0; x < w; ++x) {
      if (fg[x] == kQuiet) {
        // Most of a frame is still: skip 8 quiet pixels at a time.
        std::uint64_t word;
        while (x + 8 <= w && (std::memcpy(&word, fg + x, 8), word == 0)) x += 8;
        if (x >= w || fg[x] == kQuiet) continue;
      }
      const float v = row[x];
      bool matched = false;
      for (int qy = std::max(0, y - kSway); qy <= std::min(h - 1, y + kSway) && !matched; ++qy) {
        const float* mean = m.mean.data() + static_cast<std::size_t>(qy) * w;
        const float* dev = m.deviation.data() + static_cast<std::size_t>(qy) * w;
        for (int qx = std::max(0, x - kSway); qx <= std::min(w - 1, x + kSway); ++qx) {
          if (std::fabs(v - mean[qx]) <= std::max(floor, factor * dev[qx])) {
            matched = true;
            break;
          }
        }
      }
      fg[x] = matched ? kSwayed : kMoving;
      changed += matched ? 0 : 1;
    }
  }

  // (4) Lights on, auto-exposure, an IR cut filter: most of the frame changes
  // in a way a single shift does not explain. Re-learn rather than alarm.
  if (!learning && static_cast<double>(changed) >= kGlobalChange * static_cast<double>(n)) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        m.mean[static_cast<std::size_t>(y) * w + x] = px[static_cast<std::size_t>(y) * stride + x];
      }
    }
    m.quiet_until_us = pts_us + static_cast<std::int64_t>(kRelearnSeconds * 1e6);
    m.learn_frames = 1;
    m.previous.clear();
    return {};
  }

  // (5a) Update the model and vote candidates into cells. A candidate updates
  // its background slowly, so an object that stops is absorbed in time but a
  // passer-by is not.
  std::fill(m.count.begin(), m.count.end(), 0);
  std::fill(m.cell_zones.begin(), m.cell_zones.end(), 0);
  const int cell = m.cell;
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* row = px + static_cast<std::size_t>(y) * stride;
    const std::size_t base = static_cast<std::size_t>(y) * w;
    float* mean = m.mean.data() + base;
    float* dev = m.deviation.data() + base;
    const std::uint8_t* fg = m.fg.data() + base;
    const std::uint8_t* watched = m.watched.data() + base;
    UpdateRow(row, mean, dev, fg, static_cast<std::size_t>(w), bg_rate, fg_rate, dev_rate,
              fg_dev_rate);
    const std::size_t cell_row = static_cast<std::size_t>(y / cell) * m.grid_w;
    for (int x = 0; x < w; ++x) {
      if (fg[x] == kQuiet) {
        std::uint64_t word;
        while (x + 8 <= w && (std::memcpy(&word, fg + x, 8), word == 0)) x += 8;
        if (x >= w || fg[x] == kQuiet) continue;
      }
      if (fg[x] != kMoving || !watched[x]) continue;
      const std::size_t c = cell_row + static_cast<std::size_t>(x / cell);
      PixelBox& box = m.cell_box[c];
      if (m.count[c]++ == 0) {
        box = {x, y, x, y};
      } else {
        box.x0 = std::min(box.x0, x);
        box.x1 = std::max(box.x1, x);
        box.y1 = y;  // rows come in order
      }
      if (!m.zone_bits.empty()) m.cell_zones[c] |= m.zone_bits[base + x];
    }
  }

  // (5b) Cells: active when a quarter of their pixels changed. A cell that
  // keeps flipping between active and quiet (leaves, ripples, rain) is
  // background. Flips, not activity: a person who stands and fidgets keeps
  // the cells they cover steadily active and stays foreground.
  const std::uint16_t min_cell = static_cast<std::uint16_t>(std::max(2, cell * cell / 4));
  const std::size_t cells = m.count.size();
  for (std::size_t c = 0; c < cells; ++c) {
    const std::uint8_t active = m.count[c] >= min_cell ? 1 : 0;
    m.flicker[c] += flicker_rate * ((active != m.was_active[c] ? 1.0f : 0.0f) - m.flicker[c]);
    m.was_active[c] = active;
    m.label[c] = active && m.flicker[c] < kRestless ? -1 : 0;  // -1: to label
  }

  // (5c) 8-connected blobs of active cells.
  const double min_area =
      (options_.min_area > 0 ? options_.min_area : kMinArea[s]) * static_cast<double>(n);
  const int margin = std::max(4, w / 16);
  std::vector<PixelBox> blobs;
  std::vector<std::uint32_t> blob_zones;
  double moving = 0;
  bool have_box = false;
  PixelBox all{};
  std::uint32_t zones_hit = 0;
  int next_label = 0;
  for (std::size_t seed = 0; seed < cells; ++seed) {
    if (m.label[seed] != -1) continue;
    ++next_label;
    m.label[seed] = next_label;
    m.stack.assign(1, static_cast<int>(seed));
    double area = 0;
    PixelBox box = m.cell_box[seed];
    std::uint32_t zones = 0;
    while (!m.stack.empty()) {
      const int c = m.stack.back();
      m.stack.pop_back();
      area += m.count[static_cast<std::size_t>(c)];
      const PixelBox& cb = m.cell_box[static_cast<std::size_t>(c)];
      box = {std::min(box.x0, cb.x0), std::min(box.y0, cb.y0), std::max(box.x1, cb.x1),
             std::max(box.y1, cb.y1)};
      zones |= m.cell_zones[static_cast<std::size_t>(c)];
      const int cx = c % m.grid_w, cy = c / m.grid_w;
      for (int ny = std::max(0, cy - 1); ny <= std::min(m.grid_h - 1, cy + 1); ++ny) {
        for (int nx = std::max(0, cx - 1); nx <= std::min(m.grid_w - 1, cx + 1); ++nx) {
          const int nc = ny * m.grid_w + nx;
          if (m.label[static_cast<std::size_t>(nc)] == -1) {
            m.label[static_cast<std::size_t>(nc)] = next_label;
            m.stack.push_back(nc);
          }
        }
      }
    }
    if (area < min_area) continue;
    blobs.push_back(box);
    // Temporal consistency: a real object was also there, or near, a frame ago.
    const bool confirmed = std::any_of(m.previous.begin(), m.previous.end(),
                                       [&](const PixelBox& p) { return Near(box, p, margin); });
    if (!confirmed) continue;
    moving += area;
    zones_hit |= zones;
    all = have_box ? PixelBox{std::min(all.x0, box.x0), std::min(all.y0, box.y0),
                              std::max(all.x1, box.x1), std::max(all.y1, box.y1)}
                   : box;
    have_box = true;
  }
  m.previous = std::move(blobs);

  MotionResult result;
  if (learning || !have_box || m.watched_pixels == 0) return result;
  result.motion = true;
  result.score = std::min(1.0, moving / m.watched_pixels);
  result.box = {static_cast<double>(all.x0) / w, static_cast<double>(all.y0) / h,
                static_cast<double>(all.x1 + 1 - all.x0) / w,
                static_cast<double>(all.y1 + 1 - all.y0) / h};
  for (std::size_t z = 0; z < options_.zones.size(); ++z) {
    if (zones_hit & (1u << z)) result.zones.push_back(options_.zones[z].name);
  }
  return result;
}

}  // namespace vigil::detect
