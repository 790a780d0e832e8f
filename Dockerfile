# syntax=docker/dockerfile:1
# workshopd: a static binary on distroless, running as nonroot.
#   docker build -t workshopd .
#   docker run -e DATABASE_URL=... -e REDIS_URL=... -p 8080:8080 workshopd          (serve)
#   docker run ... workshopd migrate | seed-demo

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV GOFLAGS=-buildvcs=false
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /workshopd ./cmd/workshopd

# The sign-in sheet's fonts for names in other scripts (SHEET_FONT_DIR's
# default), from Debian's packages, with their copyright files.
FROM debian:bookworm-slim AS fonts
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /workshopd /workshopd
COPY --from=fonts /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf /usr/share/fonts/truetype/noto/NotoSans-Bold.ttf \
    /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf /usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf \
    /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf /usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf \
    /usr/share/fonts/truetype/noto/NotoSansGurmukhi-Regular.ttf /usr/share/fonts/truetype/noto/NotoSansGurmukhi-Bold.ttf \
    /usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf /usr/share/fonts/truetype/noto/NotoSansEthiopic-Bold.ttf \
    /usr/share/fonts/truetype/noto/
COPY --from=fonts /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf /usr/share/fonts/truetype/droid/
COPY --from=fonts /usr/share/doc/fonts-noto-core/copyright /usr/share/doc/fonts-noto-core/
COPY --from=fonts /usr/share/doc/fonts-droid-fallback/copyright /usr/share/doc/fonts-droid-fallback/
# Relative paths (MAIL_DIR's default .dev/mail) land in nonroot's home.
WORKDIR /home/nonroot
USER nonroot
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/workshopd"]
CMD ["serve"]
