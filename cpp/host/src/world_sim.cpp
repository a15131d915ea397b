#include "world_sim.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "day_cycle.h"

namespace aicore::host {

namespace {

constexpr float kRunSpeedMps = 3.0f;   // attackers close in at a run
constexpr float kMaxSpeedMps = 12.0f;  // no script makes anyone outrun a horse
constexpr float kFleeLegM = 12.0f;
// Hunger's generator: the world's seed with its own constant, so its stream is not the
// movement generator's.
constexpr std::uint64_t kHungerStream = 0x68756E676572ull;  // "hunger"

}  // namespace

WorldSim::WorldSim(WorldBuffers buffers, ObstacleMap map, WorldConfig config)
    : buffers_(buffers),
      map_(std::move(map)),
      config_(config),
      nav_(map_, config.agentRadiusM),
      random_(config.seed),
      hungerRandom_(config.seed ^ kHungerStream),
      light_(lightAtHour(config.startHourOfDay)),
      npcs_(buffers.capacity),
      subtitle_(buffers.capacity),
      emote_(buffers.capacity) {
    for (std::uint32_t slot = 0; slot < buffers_.capacity; ++slot) clearSlot(buffers_, slot);
    player_.position = randomFreePoint(config_.agentRadiusM + 0.5f);
    player_.active = true;
    player_.modeSecondsLeft = random_.uniform(0.0f, 1.0f);
    writePlayer(buffers_, player_.position);
    publishEvents();
}

Vec2 WorldSim::randomFreePoint(float clearanceM) {
    const float size = map_.sizeM();
    for (int attempt = 0; attempt < 64; ++attempt) {
        const float x = random_.uniform(clearanceM, size - clearanceM);
        const Vec2 p{x, random_.uniform(clearanceM, size - clearanceM)};
        if (!map_.blocked(p, clearanceM)) return p;
    }
    return map_.pushOut({random_.uniform(0.0f, size), random_.uniform(0.0f, size)}, clearanceM);
}

bool WorldSim::spawn(std::uint32_t slot) {
    if (slot >= buffers_.capacity || npcs_[slot].active) return false;
    return spawnAt(slot, randomFreePoint(config_.agentRadiusM + 0.5f));
}

bool WorldSim::spawnAt(std::uint32_t slot, Vec2 where) {
    if (slot >= buffers_.capacity || npcs_[slot].active) return false;
    Agent& a = npcs_[slot];
    a = Agent{};
    a.active = true;
    a.position = map_.pushOut(where, config_.agentRadiusM);
    a.mode = Mode::Idle;
    a.modeSecondsLeft = random_.uniform(0.0f, 2.0f);
    a.hunger = hungerRandom_.uniform(0.0f, config_.initialHungerMax);
    const float spread = config_.hungerRateSpread;
    a.hungerPerSecond = static_cast<float>(1.0 / config_.hungerSecondsToStarve) *
                        hungerRandom_.uniform(1.0f - spread, 1.0f + spread);
    subtitle_[slot].clear();
    emote_[slot].clear();
    publishSlot(slot);
    return true;
}

bool WorldSim::despawn(std::uint32_t slot) {
    if (slot >= buffers_.capacity || !npcs_[slot].active) return false;
    npcs_[slot] = Agent{};
    subtitle_[slot].clear();
    emote_[slot].clear();
    clearSlot(buffers_, slot);
    return true;
}

bool WorldSim::active(std::uint32_t slot) const {
    return slot < buffers_.capacity && npcs_[slot].active;
}

std::uint32_t WorldSim::activeCount() const {
    return static_cast<std::uint32_t>(
        std::count_if(npcs_.begin(), npcs_.end(), [](const Agent& a) { return a.active; }));
}

void WorldSim::placePlayer(Vec2 where) {
    player_.position = map_.pushOut(where, config_.agentRadiusM);
    player_.velocity = {};
    player_.path.clear();
    player_.pathIndex = 0;
    player_.mode = Mode::Idle;
    player_.modeSecondsLeft = random_.uniform(1.0f, 3.0f);
    writePlayer(buffers_, player_.position);
}

Vec2 WorldSim::position(std::uint32_t slot) const { return npcs_.at(slot).position; }

float WorldSim::distanceToPlayer(std::uint32_t slot) const {
    return distance(npcs_.at(slot).position, player_.position);
}

const std::string& WorldSim::subtitle(std::uint32_t slot) const { return subtitle_.at(slot); }
const std::string& WorldSim::lastEmote(std::uint32_t slot) const { return emote_.at(slot); }

double WorldSim::hourOfDay() const {
    return aicore::host::hourOfDay(config_.startHourOfDay, config_.dayLengthSeconds, gameSeconds_);
}

float WorldSim::light() const { return light_; }

float WorldSim::hunger(std::uint32_t slot) const { return npcs_.at(slot).hunger; }

void WorldSim::setDestination(Agent& agent, Vec2 goal, float speedMps) {
    agent.goal = map_.pushOut(goal, config_.agentRadiusM);
    agent.path = nav_.findPath(agent.position, agent.goal);
    agent.pathIndex = 0;
    agent.speedMps = speedMps;
}

void WorldSim::followPath(Agent& agent, double dt) {
    const Vec2 start = agent.position;
    float budget = agent.speedMps * static_cast<float>(dt);
    Vec2 p = start;
    while (budget > 0.0f && agent.pathIndex < agent.path.size()) {
        const Vec2 waypoint = agent.path[agent.pathIndex];
        const float d = distance(p, waypoint);
        if (d <= budget) {
            p = waypoint;
            budget -= d;
            ++agent.pathIndex;
        } else {
            p = p + (waypoint - p) * (budget / d);
            budget = 0.0f;
        }
    }
    // Whatever the plan said, nobody ends a step inside an obstacle or off the map: a
    // step that would is slid back out to the surface.
    agent.position = map_.pushOut(p, config_.agentRadiusM);
    agent.velocity = (agent.position - start) * (1.0f / static_cast<float>(dt));
}

void WorldSim::chooseFleeGoal(Agent& agent) {
    Vec2 away = agent.position - agent.fleeFrom;
    const float len = length(away);
    away = len > 1e-3f ? away * (1.0f / len) : rotated({0.0f, 1.0f}, random_.uniform(0.0f, 6.2831853f));
    const float now = distance(agent.position, agent.fleeFrom);
    // Straight away if the way is open, else the nearest open bearing that still gains
    // ground; cornered, the pathfinder takes over.
    constexpr float kDegrees = std::numbers::pi_v<float> / 180.0f;
    const float bearings[] = {0.0f, 30.0f, -30.0f, 60.0f, -60.0f, 90.0f, -90.0f, 135.0f, -135.0f};
    Vec2 fallback{};
    bool haveFallback = false;
    for (const float b : bearings) {
        const Vec2 leg = rotated(away, b * kDegrees) * kFleeLegM;
        const Vec2 candidate = map_.pushOut(agent.position + leg, config_.agentRadiusM);
        if (distance(candidate, agent.fleeFrom) <= now + 1.0f) continue;
        if (map_.segmentClear(agent.position, candidate, config_.agentRadiusM)) {
            agent.goal = candidate;
            agent.path = {candidate};
            agent.pathIndex = 0;
            agent.replanSecondsLeft = 1.0;
            return;
        }
        if (!haveFallback) {
            fallback = candidate;
            haveFallback = true;
        }
    }
    if (haveFallback) {
        setDestination(agent, fallback, agent.speedMps);
    } else {
        agent.path.clear();
        agent.pathIndex = 0;
    }
    agent.replanSecondsLeft = 1.0;
}

void WorldSim::damage(std::uint32_t slot, float amount) {
    Agent& a = npcs_[slot];
    const float lost = std::min(amount, a.health);
    if (lost <= 0.0f) return;
    a.health -= lost;
    a.perception |= kIsDamaged;
    frameEvents_.push_back(WorldEvent{WorldEvent::Kind::Damaged, slot, lost, {}});
    ++stats_.damagedEvents;
}

void WorldSim::landBlow(Agent& attacker) {
    const float before = attacker.hunger;
    attacker.hunger = std::max(0.0f, attacker.hunger - config_.hungerFedPerBlow);
    if (attacker.hunger < before) ++stats_.feeds;
}

void WorldSim::updatePlayer(double dt) {
    Agent& p = player_;
    if (!config_.playerWanders) {
        p.velocity = {};
        return;
    }
    if (p.mode == Mode::Idle) {
        p.velocity = {};
        p.modeSecondsLeft -= dt;
        if (p.modeSecondsLeft <= 0.0) {
            p.mode = Mode::Wander;
            setDestination(p, randomFreePoint(config_.agentRadiusM + 0.5f), config_.playerSpeedMps);
        }
        return;
    }
    followPath(p, dt);
    if (p.pathIndex >= p.path.size()) {
        p.mode = Mode::Idle;
        p.modeSecondsLeft = random_.uniform(0.5f, 3.0f);
    }
}

void WorldSim::updateNpc(std::uint32_t slot, double dt) {
    Agent& a = npcs_[slot];
    a.hunger = std::min(1.0f, a.hunger + a.hungerPerSecond * static_cast<float>(dt));
    const auto idle = [&] {
        a.mode = Mode::Idle;
        a.velocity = {};
        a.path.clear();
        a.pathIndex = 0;
        a.modeSecondsLeft = random_.uniform(1.0f, 4.0f);
    };
    switch (a.mode) {
        case Mode::Idle:
            a.velocity = {};
            a.modeSecondsLeft -= dt;
            if (a.modeSecondsLeft <= 0.0 && config_.npcsWander) {
                a.mode = Mode::Wander;
                setDestination(a, randomFreePoint(config_.agentRadiusM + 0.5f),
                               config_.wanderSpeedMps * random_.uniform(0.8f, 1.2f));
            }
            break;
        case Mode::Wander:
        case Mode::MoveTo:
            followPath(a, dt);
            if (a.pathIndex >= a.path.size()) idle();
            break;
        case Mode::Flee:
            a.modeSecondsLeft -= dt;
            a.replanSecondsLeft -= dt;
            if (a.modeSecondsLeft <= 0.0 ||
                distance(a.position, a.fleeFrom) >= config_.fleeSafeDistanceM) {
                idle();
                break;
            }
            if (a.replanSecondsLeft <= 0.0 || a.pathIndex >= a.path.size()) chooseFleeGoal(a);
            followPath(a, dt);
            break;
        case Mode::Attack: {
            a.modeSecondsLeft -= dt;
            a.replanSecondsLeft -= dt;
            a.attackCooldown -= dt;
            const bool targetGone = !a.targetsPlayer && !npcs_[a.targetNpc].active;
            if (a.modeSecondsLeft <= 0.0 || targetGone) {
                idle();
                break;
            }
            const Vec2 target = a.targetsPlayer ? player_.position : npcs_[a.targetNpc].position;
            if (distance(a.position, target) <= config_.attackRangeM) {
                a.velocity = {};
                if (a.attackCooldown <= 0.0) {
                    a.attackCooldown = 1.0;  // one blow a second
                    if (a.targetsPlayer) {
                        ++stats_.playerHits;
                    } else {
                        damage(a.targetNpc, config_.attackDamage);
                    }
                    landBlow(a);
                }
                break;
            }
            // The target moves: plan again twice a second or when it has moved away.
            if (a.replanSecondsLeft <= 0.0 || a.pathIndex >= a.path.size() ||
                distance(a.goal, target) > 1.0f) {
                setDestination(a, target, kRunSpeedMps);
                a.replanSecondsLeft = 0.5;
            }
            followPath(a, dt);
            break;
        }
    }
    const float speed = length(a.velocity);
    // 0 = +y, counter-clockwise seen from above (z up); kept while standing still.
    if (speed > 1e-3f) a.heading = std::atan2(-a.velocity.x, a.velocity.y);
}

void WorldSim::emitNoise() {
    ++stats_.noises;
    // Half the noises are the player's (a kicked bucket, a cough), half anywhere.
    Vec2 at;
    if (random_.chance(0.5)) {
        at = player_.position + Vec2{random_.uniform(-5.0f, 5.0f), random_.uniform(-5.0f, 5.0f)};
        at = {std::clamp(at.x, 0.0f, map_.sizeM()), std::clamp(at.y, 0.0f, map_.sizeM())};
    } else {
        at = {random_.uniform(0.0f, map_.sizeM()), random_.uniform(0.0f, map_.sizeM())};
    }
    const float loudness = random_.uniform(0.3f, 1.0f);
    const float range = config_.hearingRadiusM * loudness;
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot) {
        Agent& a = npcs_[slot];
        if (!a.active) continue;
        const float d = distance(a.position, at);
        if (d >= range) continue;
        float heard = loudness * (1.0f - d / range);
        if (!map_.segmentClear(a.position, at)) heard *= 0.5f;  // muffled by what is between
        if (heard < 0.05f) continue;
        a.perception |= kHearsNoise;
        frameEvents_.push_back(WorldEvent{WorldEvent::Kind::HeardNoise, slot, std::clamp(heard, 0.0f, 1.0f), at});
        ++stats_.heardNoiseEvents;
    }
}

void WorldSim::perceive() {
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot) {
        Agent& a = npcs_[slot];
        if (!a.active) continue;
        const bool sees = distance(a.position, player_.position) <= config_.sightRadiusM &&
                          map_.segmentClear(a.position, player_.position);
        if (sees) {
            a.perception |= kPerceivesPlayer;
            if (!a.sawPlayer) {
                frameEvents_.push_back(WorldEvent{WorldEvent::Kind::PlayerSeen, slot, 0.0f, {}});
                ++stats_.playerSeenEvents;
            }
        }
        a.sawPlayer = sees;
    }
}

void WorldSim::step(double dtSeconds) {
    frameEvents_.clear();
    gameSeconds_ += dtSeconds;
    light_ = lightAtHour(hourOfDay());
    for (auto& a : npcs_) a.perception = 0;
    updatePlayer(dtSeconds);
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot)
        if (npcs_[slot].active) updateNpc(slot, dtSeconds);
    const double damageChance = config_.damagePerNpcPerSecond * dtSeconds;
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot)
        if (npcs_[slot].active && random_.chance(damageChance)) damage(slot, random_.uniform(0.05f, 0.2f));
    if (random_.chance(config_.noisesPerSecond * dtSeconds)) emitNoise();
    perceive();
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot)
        if (npcs_[slot].active) publishSlot(slot);
    writePlayer(buffers_, player_.position);
    publishEvents();
}

void WorldSim::publishSlot(std::uint32_t slot) {
    const Agent& a = npcs_[slot];
    writeSlot(buffers_, slot,
              {a.position, a.velocity, a.heading, a.health, a.perception, a.hunger, light_});
}

void WorldSim::publishEvents() {
    std::vector<std::string> refused;  // empty unless the sim made an event it should not
    encodeEvents(frameEvents_, events_, &refused);
    eventCount_ = frameEvents_.size() - refused.size();
    stats_.refusedEvents += refused.size();
}

CommandReport WorldSim::applyCommands(std::span<const std::uint8_t> msgpack) {
    CommandReport report;
    decoded_.clear();
    decodeCommands(msgpack, decoded_, report.rejections);
    for (const Command& c : decoded_) {
        std::string reason;
        if (apply(c, reason)) {
            ++report.applied;
            if (c.type == CommandType::Despawn) report.despawned.push_back(c.npc);
        } else {
            report.rejections.push_back(std::move(reason));
        }
    }
    stats_.rejectedCommands += report.rejections.size();
    return report;
}

bool WorldSim::apply(const Command& c, std::string& reason) {
    const std::string prefix = std::string(commandTypeName(c.type)) + ": ";
    if (!active(c.npc)) {
        reason = prefix + "no NPC in slot " + std::to_string(c.npc);
        return false;
    }
    Agent& a = npcs_[c.npc];
    const float speed = std::clamp(c.speedMps, 0.0f, kMaxSpeedMps);
    switch (c.type) {
        case CommandType::MoveTo:
            if (speed <= 0.0f) {
                // Walking at 0 m/s is standing still.
                a.mode = Mode::Idle;
                a.velocity = {};
                a.modeSecondsLeft = random_.uniform(1.0f, 4.0f);
                break;
            }
            a.mode = Mode::MoveTo;
            setDestination(a, groundPoint(c.position), speed);
            break;
        case CommandType::Flee:
            a.mode = Mode::Flee;
            a.fleeFrom = groundPoint(c.position);
            a.speedMps = speed > 0.0f ? speed : kRunSpeedMps;
            a.modeSecondsLeft = config_.fleeSeconds;
            chooseFleeGoal(a);
            break;
        case CommandType::Attack:
            if (!c.targetsPlayer && (!active(c.targetNpc) || c.targetNpc == c.npc)) {
                reason = prefix + "no NPC to attack in slot " + std::to_string(c.targetNpc);
                return false;
            }
            a.mode = Mode::Attack;
            a.targetsPlayer = c.targetsPlayer;
            a.targetNpc = c.targetNpc;
            a.modeSecondsLeft = config_.attackSeconds;
            a.replanSecondsLeft = 0.0;
            a.path.clear();
            a.pathIndex = 0;
            break;
        case CommandType::Say:
            subtitle_[c.npc] = c.text;
            ++subtitles_;
            break;
        case CommandType::Emote:
            emote_[c.npc] = c.text;
            ++emotes_;
            break;
        case CommandType::Despawn:
            despawn(c.npc);
            break;
    }
    ++stats_.applied[static_cast<std::size_t>(c.type)];
    return true;
}

}  // namespace aicore::host