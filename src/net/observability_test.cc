// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/observability.h"

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vigil/net/http_message.h"

namespace vigil::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsRegistryTest, RendersCountersGaugesAndHistograms) {
  MetricsRegistry registry;
  registry.GetCounter("x_requests_total", "Requests", {{"class", "2xx"}}).Increment(3);
  registry.GetCounter("x_requests_total", "Requests", {{"class", "2xx"}}).Increment();
  registry.GetGauge("x_open", "Open things").Set(-2);
  auto& h = registry.GetHistogram("x_seconds", "Latency", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(7);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE x_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("x_requests_total{class=\"2xx\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("# HELP x_open Open things\n"));
  EXPECT_THAT(text, HasSubstr("x_open -2\n"));
  EXPECT_THAT(text, HasSubstr("x_seconds_bucket{le=\"0.10000000000000001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("x_seconds_bucket{le=\"1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("x_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("x_seconds_count 3\n"));
  EXPECT_THAT(text, HasSubstr("x_seconds_sum 7.5499999999999998\n"));
}

TEST(MetricsRegistryTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.GetCounter("y_total", "Y", {{"path", "a\"b\\c\n"}}).Increment();
  EXPECT_THAT(registry.Render(), HasSubstr("y_total{path=\"a\\\"b\\\\c\\n\"} 1\n"));
}

TEST(MetricsResponseTest, HasThePrometheusContentType) {
  MetricsRegistry registry;
  registry.GetCounter("z_total", "Z").Increment();
  HttpResponse r = MetricsResponse(registry);
  EXPECT_EQ(r.status, 200u);
  EXPECT_THAT(std::string(*r.headers.Get("content-type")), HasSubstr("version=0.0.4"));
  EXPECT_THAT(r.body, HasSubstr("z_total 1\n"));
}

TEST(RequestLogTest, FormatsOneJsonLineWithoutTheQuery) {
  RequestLogEntry e;
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  e.remote = "127.0.0.1";
  e.method = "GET";
  e.path = "/v1/clips?token=secret";
  e.status = 200;
  e.bytes_in = 10;
  e.bytes_out = 20;
  e.duration_ms = 1.5;
  std::string line = FormatRequestLogLine(e);
  EXPECT_EQ(line,
            "{\"time\":\"2024-05-01T12:00:00.123Z\",\"remote\":\"127.0.0.1\",\"method\":\"GET\","
            "\"path\":\"/v1/clips\",\"status\":200,\"bytes_in\":10,\"bytes_out\":20,"
            "\"duration_ms\":1.500}");
  EXPECT_THAT(line, Not(HasSubstr("secret")));
}

TEST(HttpMessageTest, JsonErrorEscapesTheMessage) {
  HttpResponse r = JsonError(400, "invalid_argument", "bad \"x\"\n");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, R"({"error":{"code":"invalid_argument","message":"bad \"x\"\n"}})");
  EXPECT_EQ(*r.headers.Get("Content-Type"), "application/json");
  HttpResponse from_error = JsonError(Error{ErrorCode::kUnauthenticated, "log in"});
  EXPECT_EQ(from_error.status, 401u);
  EXPECT_THAT(from_error.body, HasSubstr("\"unauthenticated\""));
}

TEST(HttpMessageTest, HeadersAreCaseInsensitiveAndBearerTokensParse) {
  HttpRequest r;
  r.target = "/a/b?c=d";
  r.headers.Add("authorization", "bearer abc");
  EXPECT_EQ(r.Path(), "/a/b");
  EXPECT_EQ(r.Query(), "c=d");
  EXPECT_EQ(*r.BearerToken(), "abc");
  r.headers.Set("AUTHORIZATION", "Basic x");
  EXPECT_FALSE(r.BearerToken().has_value());
  EXPECT_EQ(r.headers.fields().size(), 1u);
}

TEST(HttpMessageTest, StatusForCodes) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500u);
}

}  // namespace
}  // namespace vigil::net
