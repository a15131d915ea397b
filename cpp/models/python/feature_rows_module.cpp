// engine_bridge.models._feature_rows: the native pass behind engine_bridge/models/row_gatherer.py.
// Private to that module, which binds a world's buffers and a FeatureContext's arrays once
// and then asks for rows every frame; everything a call is given is checked here (dtype,
// layout, shape, slot range) so that a wrong array is a Python exception, never a bad read.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "aicore/models/feature_rows.h"

namespace py = pybind11;
using aicore::models::FeatureColumns;
using aicore::models::FeatureRows;
using aicore::models::FeatureScales;
using aicore::models::SlotFacts;
using aicore::models::WorldColumns;

namespace {

template <typename T>
const T* checked(const py::array& array, const char* name, py::ssize_t rows, py::ssize_t cols) {
    if (!py::isinstance<py::array_t<T>>(array) || !(array.flags() & py::array::c_style)) {
        throw py::type_error(std::string(name) + " must be a C-contiguous " +
                             py::str(py::dtype::of<T>()).cast<std::string>() + " array");
    }
    const bool shapeOk = cols < 0 ? (array.ndim() == 1 && array.shape(0) == rows)
                                  : (array.ndim() == 2 && array.shape(0) == rows &&
                                     (cols == 0 || array.shape(1) == cols));
    if (!shapeOk) throw py::value_error(std::string(name) + " has the wrong shape");
    return static_cast<const T*>(array.data());
}

int columnOf(const py::dict& columns, const char* name) { return columns[name].cast<int>(); }

class BoundRows {
public:
    BoundRows(const py::dict& columns, const py::dict& scales) : rows_(makeColumns(columns), makeScales(scales)) {}

    void bind(py::array position, py::array heading, py::array health, py::array custom,
              py::array perception, py::array alive, py::array player, py::array kindIds,
              py::array archetypeIds, py::array lastSeenAt) {
        const py::ssize_t capacity = heading.ndim() == 1 ? heading.shape(0) : -1;
        if (capacity < 0) throw py::value_error("heading must be one-dimensional");
        WorldColumns world;
        world.position = checked<float>(position, "position", capacity, 3);
        world.heading = checked<float>(heading, "heading", capacity, -1);
        world.health = checked<float>(health, "health", capacity, -1);
        world.custom = checked<float>(custom, "custom", capacity, 0);
        world.channels = static_cast<std::size_t>(custom.shape(1));
        world.perception = checked<std::uint32_t>(perception, "perception", capacity, -1);
        world.alive = checked<std::uint8_t>(alive, "alive", capacity, -1);
        world.player = checked<float>(player, "player_position", 3, -1);
        world.capacity = static_cast<std::size_t>(capacity);
        SlotFacts facts;
        facts.kindIds = checked<std::int32_t>(kindIds, "kind_ids", capacity, -1);
        facts.archetypeIds = checked<std::int32_t>(archetypeIds, "archetype_ids", capacity, -1);
        facts.lastSeenAt = checked<double>(lastSeenAt, "last_seen_at", capacity, -1);
        rows_.prepare(world.capacity);
        world_ = world;
        facts_ = facts;
        keep_ = py::make_tuple(position, heading, health, custom, perception, alive, player,
                               kindIds, archetypeIds, lastSeenAt);
    }

    void gather(py::array slots, py::array out, py::array storyFlags, double now,
                int hungerChannel, float hunger, int lightChannel, float light) {
        if (facts_.kindIds == nullptr) throw py::value_error("bind a world and a context first");
        if (!py::isinstance<py::array_t<std::int64_t>>(slots) || slots.ndim() != 1 ||
            !(slots.flags() & py::array::c_style)) {
            throw py::type_error("slots must be a C-contiguous one-dimensional int64 array");
        }
        const auto count = static_cast<std::size_t>(slots.shape(0));
        const auto* slotData = static_cast<const std::int64_t*>(slots.data());
        for (std::size_t i = 0; i < count; ++i) {
            if (slotData[i] < 0 || static_cast<std::size_t>(slotData[i]) >= world_.capacity) {
                throw py::index_error("slot " + std::to_string(slotData[i]) + " is outside the world");
            }
        }
        const FeatureColumns& c = rows_.columns();
        if (!py::isinstance<py::array_t<float>>(out) || out.ndim() != 2 ||
            !(out.flags() & py::array::c_style) || !out.writeable() || out.shape(1) != c.width ||
            static_cast<std::size_t>(out.shape(0)) < count) {
            throw py::value_error("out must be a writeable C-contiguous float32 array of at least " +
                                  std::to_string(count) + " rows and " + std::to_string(c.width) +
                                  " columns");
        }
        facts_.storyFlags = checked<float>(storyFlags, "story_flags", c.flags, -1);
        facts_.now = now;
        facts_.hungerChannel = hungerChannel;
        facts_.hunger = hunger;
        facts_.lightChannel = lightChannel;
        facts_.light = light;
        rows_.gather(world_, facts_, slotData, count, static_cast<float*>(out.mutable_data()));
    }

private:
    static FeatureColumns makeColumns(const py::dict& d) {
        FeatureColumns c;
        c.archetype0 = columnOf(d, "archetype0");
        c.archetypes = columnOf(d, "archetypes");
        c.health = columnOf(d, "health");
        c.hunger = columnOf(d, "hunger");
        c.distance = columnOf(d, "distance");
        c.bearingSin = columnOf(d, "bearing_sin");
        c.bearingCos = columnOf(d, "bearing_cos");
        c.sees = columnOf(d, "sees");
        c.since = columnOf(d, "since");
        c.allies = columnOf(d, "allies");
        c.light = columnOf(d, "light");
        c.flag0 = columnOf(d, "flag0");
        c.flags = columnOf(d, "flags");
        c.width = columnOf(d, "width");
        return c;
    }

    static FeatureScales makeScales(const py::dict& d) {
        FeatureScales s;
        s.playerRangeM = d["player_range_m"].cast<double>();
        s.seenHorizonS = d["seen_horizon_s"].cast<double>();
        s.allyCellM = d["ally_cell_m"].cast<double>();
        s.allyCountCap = d["ally_count_cap"].cast<double>();
        s.perceivesPlayer = d["perceives_player"].cast<std::uint32_t>();
        return s;
    }

    FeatureRows rows_;
    WorldColumns world_{};
    SlotFacts facts_{};
    py::tuple keep_ = py::make_tuple();  // the bound arrays, alive as long as we read them
};

}  // namespace

PYBIND11_MODULE(_feature_rows, m) {
    m.doc() = "AI Core: the NPC models' feature rows in one native pass (private to row_gatherer.py)";
    py::class_<BoundRows>(m, "FeatureRows")
        .def(py::init<const py::dict&, const py::dict&>(), py::arg("columns"), py::arg("scales"))
        .def("bind", &BoundRows::bind, py::arg("position"), py::arg("heading"),
             py::arg("health"), py::arg("custom"), py::arg("perception"), py::arg("alive"),
             py::arg("player_position"), py::arg("kind_ids"), py::arg("archetype_ids"),
             py::arg("last_seen_at"))
        .def("gather", &BoundRows::gather, py::arg("slots"), py::arg("out"),
             py::arg("story_flags"), py::arg("now"), py::arg("hunger_channel"),
             py::arg("hunger"), py::arg("light_channel"), py::arg("light"));
}
